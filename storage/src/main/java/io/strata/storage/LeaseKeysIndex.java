package io.strata.storage;

import com.google.protobuf.ByteString;
import io.strata.api.version.Version;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.rocksdb.RocksIterator;

/**
 * The lease→keys index in {@link ColumnFamily#LEASE_KEYS} (since 1.2): which live keys carry which
 * lease, so a revoke and a lessor rebuild find a lease's keys without scanning the kv data.
 *
 * <p>Layout: key = lease id (8 bytes, big-endian two's complement, as in {@link LeaseRecords})
 * followed by the raw user key; value empty. A lease's keys are therefore contiguous and in user
 * key order. Worked example: key {@code "a"} on lease 0x10 is
 * {@code 00 00 00 00 00 00 00 10 61}.
 *
 * <p>Invariant (while the storage version is 1.2 or newer): there is an entry (L, k) exactly when
 * the newest version of k is live and carries lease L ≠ 0. It is a pure function of the
 * {@link ColumnFamily#KV} family, so:
 * <ol>
 *   <li>{@link KvWriteTxn} maintains it on every write, but only when the storage version in the
 *       batch is at least 1.2 ({@link #maintainedIn(StoreBatch)}): a 1.1 binary would not, so data at
 *       1.1 never holds it;</li>
 *   <li>a downgrade below 1.2 drops it ({@link StoreBatch#clearFamily}) and an upgrade to 1.2
 *       {@link #rebuild rebuilds} it from the kv data, in the migration batch
 *       ({@link StorageSchema#DERIVED_DATA});</li>
 *   <li>readers fall back to the kv scan when the data is older than 1.2.</li>
 * </ol>
 *
 * <p>Threading: the batch methods on the apply thread, inside its {@link StoreBatch}; the view
 * methods on any thread that owns the view.
 */
public final class LeaseKeysIndex {
  private LeaseKeysIndex() {}

  static byte[] key(long leaseId, byte[] userKey) {
    return ByteBuffer.allocate(Long.BYTES + userKey.length).putLong(leaseId).put(userKey).array();
  }

  /** True when data at {@code storageVersion} (empty: not recorded) holds and maintains the index. */
  static boolean maintainedAt(Optional<Version> storageVersion) {
    return storageVersion.isPresent() && !ColumnFamily.LEASE_KEYS.since().isNewerThan(storageVersion.get());
  }

  /** True when the batch's storage version (its own pending migrations included) maintains the index. */
  public static boolean maintainedIn(StoreBatch batch) {
    return maintainedAt(StorageVersion.of(batch));
  }

  /** True when the view's data holds the index. */
  public static boolean maintainedIn(ReadView view) {
    return maintainedAt(StorageVersion.of(view));
  }

  static void attach(StoreBatch batch, long leaseId, byte[] userKey) {
    batch.put(ColumnFamily.LEASE_KEYS, key(leaseId, userKey), new byte[0]);
  }

  static void detach(StoreBatch batch, long leaseId, byte[] userKey) {
    batch.delete(ColumnFamily.LEASE_KEYS, key(leaseId, userKey));
  }

  /**
   * The keys attached to {@code leaseId} as the batch sees them, in user key order. Only meaningful
   * when {@link #maintainedIn(StoreBatch)}.
   */
  public static List<ByteString> keysOf(StoreBatch batch, long leaseId) {
    byte[] prefix = ByteBuffer.allocate(Long.BYTES).putLong(leaseId).array();
    List<ByteString> keys = new ArrayList<>();
    try (RocksIterator it = batch.overlayIterator(ColumnFamily.LEASE_KEYS)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (key.length < Long.BYTES || !Arrays.equals(key, 0, Long.BYTES, prefix, 0, Long.BYTES)) {
          break;
        }
        keys.add(ByteString.copyFrom(key, Long.BYTES, key.length - Long.BYTES));
      }
    }
    return keys;
  }

  /**
   * Calls {@code consumer} for every entry of the view's index, by lease id then key. Only
   * meaningful when {@link #maintainedIn(ReadView)}.
   */
  static void forEach(ReadView view, LeaseRecords.AttachedKeyConsumer consumer) {
    try (RocksIterator it = view.iterator(ColumnFamily.LEASE_KEYS)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        consumer.accept(ByteBuffer.wrap(key, 0, Long.BYTES).getLong(),
            ByteString.copyFrom(key, Long.BYTES, key.length - Long.BYTES));
      }
    }
  }

  /**
   * The upgrade action: replaces whatever the family holds with the index derived from the kv data
   * the batch sees (one pass over the newest version of every key). Returns the entries written.
   */
  static long rebuild(StoreBatch batch) {
    batch.clearFamily(ColumnFamily.LEASE_KEYS);
    long[] written = {0};
    try (RocksIterator it = batch.overlayIterator(ColumnFamily.KV)) {
      LeaseRecords.scanAttachedKeys(it, (leaseId, key) -> {
        attach(batch, leaseId, key.toByteArray());
        written[0]++;
      });
    }
    return written[0];
  }
}
