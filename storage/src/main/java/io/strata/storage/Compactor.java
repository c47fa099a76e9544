package io.strata.storage;

import java.util.Arrays;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Physical compaction: removes the versions a compaction at revision C made unreadable, that is
 * every version at or below C that is superseded by a newer version at or below C, and the newest
 * version at or below C when it is a tombstone.
 *
 * <p>Steps, each chunk written atomically:
 * <ol>
 *   <li>walk the revisions family from the last finished compaction F up to C;</li>
 *   <li>for each change, find the newest version of its key at or below C (one seek); only when
 *       the change is that newest version is the key handled, so each key changed in (F, C] is
 *       handled exactly once (keys unchanged since F are already compact);</li>
 *   <li>delete every older version of the key (some may be at or below F, kept by the previous
 *       compaction as the newest of their time), and the newest one too when it is a tombstone;</li>
 *   <li>after the last chunk, record C as the finished compaction revision.</li>
 * </ol>
 * Only versions at or below C are read or deleted; the apply thread writes only above the current
 * revision, so the two never touch the same entries. A crash mid-way leaves finished below
 * scheduled, and {@link #resumeIfNeeded} continues (every step is idempotent).
 *
 * <p>Threading: one compaction at a time (callers serialise, e.g. a single compactor thread).
 */
public final class Compactor {
  private static final int CHUNK = 1000;

  private Compactor() {}

  /** Physically compacts up to {@code compactRevision}; returns the number of versions removed. */
  public static long compact(Backend backend, long compactRevision) {
    try (ReadView view = backend.readView()) {
      if (view.metaLong(MetaKey.FINISHED_COMPACT_REVISION) >= compactRevision) {
        return 0;
      }
    }
    return backend.withDb((db, handles) -> run(backend, db, handles, compactRevision));
  }

  /** Finishes a compaction that a crash interrupted. */
  public static long resumeIfNeeded(Backend backend) {
    long scheduled = backend.metaLong(MetaKey.SCHEDULED_COMPACT_REVISION);
    return compact(backend, scheduled);
  }

  private static long run(Backend backend, RocksDB db, Map<ColumnFamily, ColumnFamilyHandle> handles,
      long compactRevision) throws RocksDBException {
    ColumnFamilyHandle kv = handles.get(ColumnFamily.KV);
    ColumnFamilyHandle revisions = handles.get(ColumnFamily.REVISIONS);
    ColumnFamilyHandle meta = handles.get(ColumnFamily.META);
    long finished = Backend.bytesLong(db.get(meta, MetaKey.FINISHED_COMPACT_REVISION.bytes()));
    byte[] stop = new Revision(compactRevision + 1, 0).toBytes();
    long removed = 0;
    try (ReadOptions readOptions = new ReadOptions();
         RocksIterator changes = db.newIterator(revisions, readOptions);
         RocksIterator versions = db.newIterator(kv, readOptions)) {
      changes.seek(new Revision(finished, 0).toBytes());
      WriteBatch chunk = new WriteBatch();
      try {
        int inChunk = 0;
        for (; changes.isValid() && Arrays.compareUnsigned(changes.key(), stop) < 0; changes.next()) {
          Revision revision = Revision.fromBytes(changes.key());
          RevisionRecord change = RevisionRecord.decode(changes.value());
          byte[] prefix = KeyCodec.versionsPrefix(change.userKey());
          versions.seek(KeyCodec.versionKeyUnder(prefix, compactRevision));
          if (!versions.isValid() || !KeyCodec.hasPrefix(versions.key(), prefix)
              || KeyCodec.mainRevisionOf(versions.key()) != revision.main()) {
            continue; // not the key's newest change at or below C: handled with that one
          }
          boolean keepNewest = !change.tombstone();
          if (keepNewest) {
            versions.next();
          }
          for (; versions.isValid() && KeyCodec.hasPrefix(versions.key(), prefix); versions.next()) {
            long main = KeyCodec.mainRevisionOf(versions.key());
            long sub = VersionRecord.fromBytes(versions.value()).sub();
            chunk.delete(kv, versions.key());
            chunk.delete(revisions, new Revision(main, sub).toBytes());
            removed++;
            if (++inChunk >= CHUNK) {
              db.write(backend.writeOptions(), chunk);
              chunk.close();
              chunk = new WriteBatch();
              inChunk = 0;
            }
          }
        }
        chunk.put(meta, MetaKey.FINISHED_COMPACT_REVISION.bytes(), Backend.longBytes(compactRevision));
        db.write(backend.writeOptions(), chunk);
      } finally {
        chunk.close();
      }
    }
    return removed;
  }
}
