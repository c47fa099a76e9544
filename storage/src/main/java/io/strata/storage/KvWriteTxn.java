package io.strata.storage;

import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * The writes of one request (a put, a delete, or a whole txn) at one main revision. Each change
 * takes the next sub revision. A request that changes nothing does not consume a revision.
 *
 * <p>Every write also keeps the {@link LeaseKeysIndex} in step when the batch's storage version
 * maintains it.
 *
 * <p>Threading: apply thread only, inside its {@link StoreBatch}. Call {@link #end()} exactly once.
 */
public final class KvWriteTxn {
  private final StoreBatch batch;
  private final long revision;
  private final List<Event> events = new ArrayList<>();
  /** Whether this batch's storage version maintains the {@link LeaseKeysIndex} (1.2 and newer). */
  private final boolean indexLeases;
  private long nextSub;

  KvWriteTxn(StoreBatch batch, long revision) {
    this.batch = batch;
    this.revision = revision;
    this.indexLeases = LeaseKeysIndex.maintainedIn(batch);
  }

  /** The main revision this request's changes get. */
  public long revision() {
    return revision;
  }

  /** The revision reads inside this request observe: its own changes included. */
  public long readRevision() {
    return events.isEmpty() ? revision - 1 : revision;
  }

  public KeyValue get(byte[] key) {
    try (RocksIterator it = batch.overlayIterator(ColumnFamily.KV)) {
      return KvReads.get(it, key, revision);
    }
  }

  /**
   * Range over the batch's state at {@code atRevision} (0 or less: the latest state, including
   * this request's own changes).
   *
   * @throws RevisionUnavailableException when the revision is compacted or in the future
   */
  public RangeResult range(byte[] key, byte[] rangeEnd, long atRevision, long limit, boolean collect) {
    long at = ReadView.checkedRevision(atRevision, readRevision(), batch.compactRevision());
    try (RocksIterator it = batch.overlayIterator(ColumnFamily.KV)) {
      return KvReads.range(it, key, rangeEnd, at, limit, collect);
    }
  }

  /** Writes a new version of {@code key}; returns it. {@code previous} is the live version or null. */
  public KeyValue put(byte[] key, com.google.protobuf.ByteString value, long lease, KeyValue previous) {
    KeyValue.Builder next = KeyValue.newBuilder()
        .setKey(com.google.protobuf.ByteString.copyFrom(key))
        .setValue(value)
        .setModRevision(revision)
        .setLease(lease);
    if (previous == null) {
      next.setCreateRevision(revision).setVersion(1);
      batch.liveKeyCreated();
    } else {
      next.setCreateRevision(previous.getCreateRevision()).setVersion(previous.getVersion() + 1);
    }
    KeyValue kv = next.build();
    write(key, false, kv);
    if (indexLeases) {
      if (previous != null && previous.getLease() != 0 && previous.getLease() != lease) {
        LeaseKeysIndex.detach(batch, previous.getLease(), key);
      }
      if (lease != 0) {
        LeaseKeysIndex.attach(batch, lease, key);
      }
    }
    Event.Builder event = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
    if (previous != null) {
      event.setPrevKv(previous);
    }
    events.add(event.build());
    return kv;
  }

  /** Deletes every live key of [key, rangeEnd); returns the deleted versions in key order. */
  public List<KeyValue> deleteRange(byte[] key, byte[] rangeEnd) {
    List<KeyValue> deleted = range(key, rangeEnd, 0, 0, true).kvs();
    batch.liveKeysDeleted(deleted.size());
    for (KeyValue previous : deleted) {
      KeyValue tombstone = KeyValue.newBuilder()
          .setKey(previous.getKey())
          .setModRevision(revision)
          .build();
      write(previous.getKey().toByteArray(), true, tombstone);
      if (indexLeases && previous.getLease() != 0) {
        LeaseKeysIndex.detach(batch, previous.getLease(), previous.getKey().toByteArray());
      }
      events.add(Event.newBuilder()
          .setType(Event.EventType.DELETE)
          .setKv(tombstone)
          .setPrevKv(previous)
          .build());
    }
    return deleted;
  }

  private void write(byte[] userKey, boolean tombstone, KeyValue kv) {
    long sub = nextSub++;
    batch.put(ColumnFamily.KV, KeyCodec.versionKey(userKey, revision),
        new VersionRecord(tombstone, sub, kv).toBytes());
    batch.put(ColumnFamily.REVISIONS, new Revision(revision, sub).toBytes(),
        RevisionRecord.encode(tombstone, userKey));
  }

  /** Finishes the request: the revision is consumed only if something changed. */
  public void end() {
    batch.endKvTxn(this, events);
  }
}
