package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * A consistent, read-only view of the committed state at one instant (a RocksDB snapshot). Every
 * read through it sees the same revision, consistent index and members.
 *
 * <p>Threading: use from one thread at a time, close promptly; closing releases the snapshot.
 */
public final class ReadView implements AutoCloseable {
  private final Backend backend;
  private final RocksDB db;
  private final Map<ColumnFamily, ColumnFamilyHandle> handles;
  private final Snapshot snapshot;
  private final ReadOptions readOptions;
  private boolean closed;

  ReadView(Backend backend, RocksDB db, Map<ColumnFamily, ColumnFamilyHandle> handles) {
    this.backend = backend;
    this.db = db;
    this.handles = handles;
    this.snapshot = db.getSnapshot();
    this.readOptions = new ReadOptions().setSnapshot(snapshot);
  }

  /** The store revision; a new store is at {@link MetaKey#INITIAL_REVISION}, as etcd's is. */
  public long currentRevision() {
    return Math.max(MetaKey.INITIAL_REVISION, metaLong(MetaKey.CURRENT_REVISION));
  }

  /** The compaction revision accepted through Raft: reads below it are refused. */
  public long compactRevision() {
    return metaLong(MetaKey.SCHEDULED_COMPACT_REVISION);
  }

  public long consistentIndex() {
    return metaLong(MetaKey.CONSISTENT_INDEX);
  }

  public long term() {
    return metaLong(MetaKey.TERM);
  }

  public long metaLong(MetaKey key) {
    return Backend.bytesLong(getRaw(ColumnFamily.META, key.bytes()));
  }

  /**
   * Live keys of [key, rangeEnd) at {@code revision} (0 or less: the current revision).
   *
   * @throws RevisionUnavailableException when the revision is compacted or in the future
   */
  public RangeResult range(byte[] key, byte[] rangeEnd, long revision, long limit, boolean collect) {
    long atRevision = checkedRevision(revision, currentRevision(), compactRevision());
    try (RocksIterator it = db.newIterator(handles.get(ColumnFamily.KV), readOptions)) {
      return KvReads.range(it, key, rangeEnd, atRevision, limit, collect);
    }
  }

  /** Resolves a requested read revision against the store's bounds, as etcd does. */
  static long checkedRevision(long requested, long current, long compacted) {
    if (requested <= 0) {
      return current;
    }
    if (requested > current) {
      throw new RevisionUnavailableException(RevisionUnavailableException.Reason.FUTURE, requested, current);
    }
    if (requested < compacted) {
      throw new RevisionUnavailableException(RevisionUnavailableException.Reason.COMPACTED, requested, compacted);
    }
    return requested;
  }

  public KeyValue get(byte[] key, long revision) {
    long atRevision = checkedRevision(revision, currentRevision(), compactRevision());
    try (RocksIterator it = db.newIterator(handles.get(ColumnFamily.KV), readOptions)) {
      return KvReads.get(it, key, atRevision);
    }
  }

  /** An iterator over {@code family} at this view's instant; the caller closes it. */
  RocksIterator iterator(ColumnFamily family) {
    return db.newIterator(handles.get(family), readOptions);
  }

  /** A raw value of {@code family} at this view's instant, or null. */
  byte[] getRaw(ColumnFamily family, byte[] key) {
    try {
      return db.get(handles.get(family), readOptions, key);
    } catch (RocksDBException e) {
      throw new StorageException("read failed", e);
    }
  }

  public List<Member> members() {
    List<Member> members = new ArrayList<>();
    try (RocksIterator it = db.newIterator(handles.get(ColumnFamily.MEMBERS), readOptions)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        members.add(Member.parseFrom(it.value()));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable member record", e);
    }
    return members;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    readOptions.close();
    db.releaseSnapshot(snapshot);
    backend.release();
  }
}
