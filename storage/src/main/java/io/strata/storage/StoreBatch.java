package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.mvccpb.Event;
import io.strata.api.version.Version;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Collects the effects of one group of applied Raft entries and writes them in one atomic RocksDB
 * write, together with the consistent index and term of the last entry. Reads through the batch
 * see its own pending writes, so entry n+1 of a group sees entry n.
 *
 * <p>Threading: apply thread only. Always close (after {@link #commit()} or to abandon).
 */
public final class StoreBatch implements AutoCloseable {
  private final Backend backend;
  private final RocksDB db;
  private final Map<ColumnFamily, ColumnFamilyHandle> handles;
  private final WriteBatchWithIndex writes = new WriteBatchWithIndex(true);
  private final ReadOptions readOptions = new ReadOptions();
  private final List<Event> events = new ArrayList<>();
  private long writeCount;
  /** Live keys this batch created minus those it deleted (see {@link Backend#liveKeyCount()}). */
  private long liveKeysDelta;
  /**
   * The storage version as this batch sees it, read once: every kv write asks it (whether to keep
   * the lease->keys index), and only {@link StorageVersion#write} changes it.
   */
  private Optional<Version> storageVersion;
  private long reportEvery;
  private LongConsumer writesListener;
  private long revision;
  private long compactRevision;
  private boolean closed;

  StoreBatch(Backend backend, RocksDB db, Map<ColumnFamily, ColumnFamilyHandle> handles) {
    this.backend = backend;
    this.db = db;
    this.handles = handles;
    this.revision = Math.max(MetaKey.INITIAL_REVISION, metaLong(MetaKey.CURRENT_REVISION));
    this.compactRevision = metaLong(MetaKey.SCHEDULED_COMPACT_REVISION);
  }

  /** The store revision including the writes of this batch so far. */
  public long currentRevision() {
    return revision;
  }

  public long compactRevision() {
    return compactRevision;
  }

  /** Begins the writes of one request; they all get main revision {@code currentRevision() + 1}. */
  public KvWriteTxn beginKvTxn() {
    return new KvWriteTxn(this, revision + 1);
  }

  void endKvTxn(KvWriteTxn txn, List<Event> txnEvents) {
    if (!txnEvents.isEmpty()) {
      revision = txn.revision();
      events.addAll(txnEvents);
      put(ColumnFamily.META, MetaKey.CURRENT_REVISION.bytes(), Backend.longBytes(revision));
    }
  }

  /** A put created a key that had no live version. */
  void liveKeyCreated() {
    liveKeysDelta++;
  }

  /** A delete removed {@code count} live keys. */
  void liveKeysDeleted(int count) {
    liveKeysDelta -= count;
  }

  /** Records a compaction accepted through Raft: from now on reads below {@code rev} are refused. */
  public void scheduleCompaction(long rev) {
    compactRevision = rev;
    put(ColumnFamily.META, MetaKey.SCHEDULED_COMPACT_REVISION.bytes(), Backend.longBytes(rev));
  }

  public void putMember(Member member) {
    put(ColumnFamily.MEMBERS, Backend.longBytes(member.getID()), member.toByteArray());
  }

  public void deleteMember(long memberId) {
    delete(ColumnFamily.MEMBERS, Backend.longBytes(memberId));
  }

  /** The member as this batch sees it, or null. */
  public Member member(long memberId) {
    byte[] bytes = getRaw(ColumnFamily.MEMBERS, Backend.longBytes(memberId));
    try {
      return bytes == null ? null : Member.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable member record", e);
    }
  }

  /** Every member record as this batch sees them, in key (id) order. */
  public List<Member> members() {
    List<Member> members = new ArrayList<>();
    try (RocksIterator it = overlayIterator(ColumnFamily.MEMBERS)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        members.add(Member.parseFrom(it.value()));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable member record", e);
    }
    return members;
  }

  /** Removes every member record (used when a restored snapshot starts a new cluster). */
  public void clearMembers() {
    clearFamily(ColumnFamily.MEMBERS);
  }

  /** Deletes every record of {@code family}; returns how many there were. */
  public long clearFamily(ColumnFamily family) {
    List<byte[]> keys = new ArrayList<>();
    try (RocksIterator it = overlayIterator(family)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        keys.add(it.key());
      }
    }
    keys.forEach(key -> delete(family, key));
    return keys.size();
  }

  Optional<Version> storageVersion() {
    if (storageVersion == null) {
      storageVersion = StorageVersion.parse(getRaw(ColumnFamily.META, MetaKey.STORAGE_VERSION.bytes()));
    }
    return storageVersion;
  }

  void storageVersionWritten(Version version) {
    storageVersion = Optional.of(version);
  }

  /** Deletes a meta key; returns 1 when it was present, else 0. */
  public long deleteMeta(MetaKey key) {
    if (getRaw(ColumnFamily.META, key.bytes()) == null) {
      return 0;
    }
    delete(ColumnFamily.META, key.bytes());
    return 1;
  }

  /** Marks the batch as covering Raft entries up to {@code index} (in {@code term}). */
  public void setApplied(long index, long term) {
    put(ColumnFamily.META, MetaKey.CONSISTENT_INDEX.bytes(), Backend.longBytes(index));
    put(ColumnFamily.META, MetaKey.TERM.bytes(), Backend.longBytes(term));
  }

  /** The key events of this batch, in revision order. */
  public List<Event> events() {
    return Collections.unmodifiableList(events);
  }

  /** Writes everything atomically. */
  public void commit() {
    try {
      backend.write(writes, liveKeysDelta);
    } catch (RocksDBException e) {
      throw new StorageException("state database write failed", e);
    }
  }

  public long metaLong(MetaKey key) {
    return Backend.bytesLong(getRaw(ColumnFamily.META, key.bytes()));
  }

  public void putMetaLong(MetaKey key, long value) {
    put(ColumnFamily.META, key.bytes(), Backend.longBytes(value));
  }

  /**
   * Tells {@code listener} the number of writes in this batch every {@code every} writes: a long
   * migration reports its progress this way.
   */
  public void reportWrites(long every, LongConsumer listener) {
    this.reportEvery = every;
    this.writesListener = listener;
  }

  private void counted() {
    writeCount++;
    if (writesListener != null && writeCount % reportEvery == 0) {
      writesListener.accept(writeCount);
    }
  }

  void delete(ColumnFamily family, byte[] key) {
    counted();
    try {
      writes.delete(handles.get(family), key);
    } catch (RocksDBException e) {
      throw new StorageException("batch delete failed", e);
    }
  }

  byte[] getRaw(ColumnFamily family, byte[] key) {
    try {
      return writes.getFromBatchAndDB(db, handles.get(family), readOptions, key);
    } catch (RocksDBException e) {
      throw new StorageException("batch read failed", e);
    }
  }

  void put(ColumnFamily family, byte[] key, byte[] value) {
    counted();
    try {
      writes.put(handles.get(family), key, value);
    } catch (RocksDBException e) {
      throw new StorageException("batch write failed", e);
    }
  }

  /** An iterator over committed data overlaid with this batch's pending writes. */
  RocksIterator overlayIterator(ColumnFamily family) {
    ColumnFamilyHandle handle = handles.get(family);
    return writes.newIteratorWithBase(handle, db.newIterator(handle, readOptions), readOptions);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    writes.close();
    readOptions.close();
    backend.release();
  }
}
