package io.strata.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.records.LeaseRecord;
import io.strata.api.version.SinceProto;
import io.strata.api.version.Version;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.rocksdb.RocksIterator;

/**
 * Lease records in the {@link ColumnFamily#LEASES} family, and which live keys are attached to
 * which lease (from the {@link LeaseKeysIndex} or, in data older than 1.2, a kv scan).
 *
 * <p>Layout: key = lease id, 8 bytes big-endian (etcd's {@code lease} bucket uses the same);
 * value = a serialized {@link LeaseRecord}. Only the apply path writes records.
 *
 * <p>Threading: the batch methods on the apply thread, inside its {@link StoreBatch}; the view
 * methods on any thread that owns the view.
 */
public final class LeaseRecords {
  /** The version that introduced {@code remaining_ttl}, from its annotation. */
  private static final Version REMAINING_TTL_SINCE = Version.parse(LeaseRecord.getDescriptor()
      .findFieldByNumber(LeaseRecord.REMAINING_TTL_FIELD_NUMBER).getOptions().getExtension(SinceProto.fieldSince));

  private LeaseRecords() {}

  /** Receives one live key that is attached to a lease. */
  @FunctionalInterface
  public interface AttachedKeyConsumer {
    void accept(long leaseId, ByteString key);
  }

  static byte[] key(long leaseId) {
    return ByteBuffer.allocate(Long.BYTES).putLong(leaseId).array();
  }

  public static void put(StoreBatch batch, LeaseRecord record) {
    batch.put(ColumnFamily.LEASES, key(record.getId()), record.toByteArray());
  }

  public static void delete(StoreBatch batch, long leaseId) {
    batch.delete(ColumnFamily.LEASES, key(leaseId));
  }

  /**
   * Records a lease checkpoint: the lease's {@code remaining_ttl} (0 clears it). Written only when
   * the batch's storage version knows the field (its {@code since}, 1.1): data of an older version
   * never holds it. Returns whether the lease now records {@code remainingTtl}: false for an unknown
   * lease or data older than the field.
   */
  public static boolean putRemainingTtl(StoreBatch batch, long leaseId, long remainingTtl) {
    Optional<Version> storage = StorageVersion.of(batch);
    if (storage.isEmpty() || REMAINING_TTL_SINCE.isNewerThan(storage.get())) {
      return false;
    }
    LeaseRecord record = get(batch, leaseId);
    if (record == null) {
      return false;
    }
    if (record.getRemainingTtl() != remainingTtl) {
      put(batch, record.toBuilder().setRemainingTtl(remainingTtl).build());
    }
    return true;
  }

  /** The lease as this batch sees it (its own pending writes included), or null. */
  public static LeaseRecord get(StoreBatch batch, long leaseId) {
    return decode(batch.getRaw(ColumnFamily.LEASES, key(leaseId)));
  }

  /** Every lease record at the view's instant, in key order. */
  public static List<LeaseRecord> list(ReadView view) {
    List<LeaseRecord> records = new ArrayList<>();
    try (RocksIterator it = view.iterator(ColumnFamily.LEASES)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        records.add(decode(it.value()));
      }
    }
    return records;
  }

  /**
   * Calls {@code consumer} for every live key (at the view's current revision) whose lease is not
   * 0. From the lease→keys index ({@link LeaseKeysIndex}, by lease then key) when the view's storage
   * version maintains it; otherwise (data older than 1.2) one pass over the {@link ColumnFamily#KV}
   * family decoding only the newest version of each key (in key order), whose cost is proportional
   * to the number of key versions.
   */
  public static void forEachAttachedKey(ReadView view, AttachedKeyConsumer consumer) {
    if (LeaseKeysIndex.maintainedIn(view)) {
      LeaseKeysIndex.forEach(view, consumer);
      return;
    }
    try (RocksIterator it = view.iterator(ColumnFamily.KV)) {
      scanAttachedKeys(it, consumer);
    }
  }

  /** The kv scan: every live key whose newest version carries a lease, in key order. */
  static void scanAttachedKeys(RocksIterator kv, AttachedKeyConsumer consumer) {
    kv.seekToFirst();
    while (kv.isValid()) {
      byte[] prefix = KeyCodec.prefixOf(kv.key());
      // Versions of one key are newest first: this entry is the key's current state.
      VersionRecord newest = VersionRecord.fromBytes(kv.value());
      if (!newest.tombstone() && newest.keyValue().getLease() != 0) {
        consumer.accept(newest.keyValue().getLease(), newest.keyValue().getKey());
      }
      kv.seek(KeyCodec.afterAllVersions(prefix));
    }
  }

  private static LeaseRecord decode(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return LeaseRecord.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable lease record", e);
    }
  }
}
