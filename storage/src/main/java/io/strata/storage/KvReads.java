package io.strata.storage;

import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * Point and range reads over the {@link ColumnFamily#KV} family through one iterator; shared by
 * committed read views and by the apply batch (whose iterator overlays its pending writes).
 *
 * <p>Not thread-safe: the iterator belongs to one read. Cost: a key with a single version costs one
 * {@code next()}; older reads cost one extra seek per key.
 */
final class KvReads {
  private KvReads() {}

  /** The live version of {@code key} at {@code atRevision}, or null. */
  static KeyValue get(RocksIterator it, byte[] key, long atRevision) {
    byte[] prefix = KeyCodec.versionsPrefix(key);
    it.seek(KeyCodec.versionKeyUnder(prefix, atRevision));
    if (!it.isValid() || !KeyCodec.hasPrefix(it.key(), prefix)) {
      return null;
    }
    VersionRecord record = VersionRecord.fromBytes(it.value());
    return record.tombstone() ? null : record.keyValue();
  }

  /**
   * Live keys of [key, rangeEnd) at {@code atRevision}. An empty {@code rangeEnd} means just
   * {@code key}; a rangeEnd of a single 0x00 byte means every key from {@code key} on.
   *
   * @param limit   the most keys to collect; 0 for no limit
   * @param collect false to only count
   */
  static RangeResult range(RocksIterator it, byte[] key, byte[] rangeEnd, long atRevision,
      long limit, boolean collect) {
    if (rangeEnd.length == 0) {
      KeyValue kv = get(it, key, atRevision);
      return kv == null
          ? new RangeResult(List.of(), 0)
          : new RangeResult(collect ? List.of(kv) : List.of(), 1);
    }
    boolean unbounded = rangeEnd.length == 1 && rangeEnd[0] == 0;
    byte[] stopAt = unbounded ? null : KeyCodec.seekKey(rangeEnd);
    List<KeyValue> kvs = new ArrayList<>();
    long count = 0;
    it.seek(KeyCodec.seekKey(key));
    while (it.isValid()) {
      byte[] encoded = it.key();
      byte[] prefix = KeyCodec.prefixOf(encoded);
      if (stopAt != null && Arrays.compareUnsigned(prefix, stopAt) >= 0) {
        break;
      }
      if (KeyCodec.mainRevisionOf(encoded) > atRevision) {
        it.seek(KeyCodec.versionKeyUnder(prefix, atRevision));
        if (!it.isValid() || !KeyCodec.hasPrefix(it.key(), prefix)) {
          continue; // the key did not exist at atRevision; the iterator already sits on the next key
        }
      }
      VersionRecord record = VersionRecord.fromBytes(it.value());
      if (!record.tombstone()) {
        count++;
        if (collect && (limit <= 0 || kvs.size() < limit)) {
          kvs.add(record.keyValue());
        }
      }
      it.next();
      if (it.isValid() && KeyCodec.hasPrefix(it.key(), prefix)) {
        it.seek(KeyCodec.afterAllVersions(prefix));
      }
    }
    return new RangeResult(kvs, count);
  }
}
