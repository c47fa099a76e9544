package io.strata.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.rocksdb.RocksIterator;

/**
 * Hashes of the stored data, for comparing members (etcd's Hash and HashKV).
 *
 * <p>{@link #hashKv} covers the versions that are logically visible at or below a revision: every
 * version above the compact revision, and at or below it only the newest live version of each key
 * (what compaction keeps). It is therefore the same on members whose physical compaction has
 * progressed differently, and equal across members holding equal data.
 */
public final class KvHash {
  /** Result of a HashKV: the hash, the compact revision it was taken at, and the revision hashed up to. */
  public record Result(int hash, long compactRevision, long hashRevision) {}

  private KvHash() {}

  /**
   * @param revision hash up to this revision; 0 or less means the current revision
   * @throws RevisionUnavailableException when {@code revision} is at or below the compact revision
   *     (as etcd refuses it) or in the future
   */
  public static Result hashKv(ReadView view, long revision) {
    long compacted = view.compactRevision();
    if (revision > 0 && revision <= compacted) {
      throw new RevisionUnavailableException(RevisionUnavailableException.Reason.COMPACTED, revision, compacted);
    }
    long upTo = ReadView.checkedRevision(revision, view.currentRevision(), compacted);
    CRC32C crc = new CRC32C();
    byte[] stop = new Revision(upTo + 1, 0).toBytes();
    try (RocksIterator changes = view.iterator(ColumnFamily.REVISIONS);
         RocksIterator versions = view.iterator(ColumnFamily.KV)) {
      for (changes.seekToFirst(); changes.isValid() && Arrays.compareUnsigned(changes.key(), stop) < 0;
          changes.next()) {
        Revision at = Revision.fromBytes(changes.key());
        RevisionRecord change = RevisionRecord.decode(changes.value());
        byte[] prefix = KeyCodec.versionsPrefix(change.userKey());
        if (at.main() <= compacted) {
          versions.seek(KeyCodec.versionKeyUnder(prefix, compacted));
          boolean newestKept = versions.isValid() && KeyCodec.hasPrefix(versions.key(), prefix)
              && KeyCodec.mainRevisionOf(versions.key()) == at.main() && !change.tombstone();
          if (!newestKept) {
            continue;
          }
        }
        byte[] version = view.getRaw(ColumnFamily.KV, KeyCodec.versionKeyUnder(prefix, at.main()));
        crc.update(changes.key());
        crc.update(change.userKey());
        if (version != null) {
          crc.update(version);
        }
      }
    }
    return new Result((int) crc.getValue(), compacted, upTo);
  }

  /** A hash of every column family's entries except the per-member Raft position (etcd's Hash). */
  public static int hashAll(ReadView view) {
    CRC32C crc = new CRC32C();
    for (ColumnFamily family : ColumnFamily.values()) {
      try (RocksIterator it = view.iterator(family)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          if (family == ColumnFamily.META && isMemberLocal(it.key())) {
            continue;
          }
          crc.update(ByteBuffer.allocate(4).putInt(family.ordinal()).array());
          crc.update(it.key());
          crc.update(it.value());
        }
      }
    }
    return (int) crc.getValue();
  }

  private static boolean isMemberLocal(byte[] metaKey) {
    return Arrays.equals(metaKey, MetaKey.CONSISTENT_INDEX.bytes()) || Arrays.equals(metaKey, MetaKey.TERM.bytes())
        || Arrays.equals(metaKey, MetaKey.FINISHED_COMPACT_REVISION.bytes());
  }
}
