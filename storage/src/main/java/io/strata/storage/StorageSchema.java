package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.records.LeaseRecord;
import io.strata.api.version.NewerFields;
import io.strata.api.version.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rocksdb.RocksIterator;

/**
 * The storage schema as data: the versions this build can store, and which families hold
 * persisted protobuf records. Together with the {@code since} of every {@link ColumnFamily},
 * {@link MetaKey} and proto field, this is all migrations are derived from.
 *
 * <p>Checklist when a version adds something persisted:
 * <ol>
 *   <li>annotate the new field, family or meta key with the version;</li>
 *   <li>add the version to {@link #VERSIONS} if it is new;</li>
 *   <li>a family of protobuf records goes into {@link #RECORD_FAMILIES};</li>
 *   <li>derived data that an older version does not maintain gets an upgrade action that rebuilds
 *       it (and is dropped on downgrade with its family).</li>
 * </ol>
 */
public final class StorageSchema {
  /** Every storage version this build can read and write, oldest first; plans step through them one by one. */
  public static final List<Version> VERSIONS = List.of(
      Version.parse("1.0"),
      Version.parse("1.1"),
      Version.parse("1.2"));

  /** Families whose values are protobuf records, cleaned field by field on downgrade. */
  static final Map<ColumnFamily, Parser<? extends Message>> RECORD_FAMILIES = Map.of(
      ColumnFamily.MEMBERS, Member.parser(),
      ColumnFamily.LEASES, LeaseRecord.parser());

  private StorageSchema() {}

  public static Version oldest() {
    return VERSIONS.get(0);
  }

  public static Version newest() {
    return VERSIONS.get(VERSIONS.size() - 1);
  }

  public static boolean knows(Version version) {
    return VERSIONS.contains(version);
  }

  /**
   * Downgrade cleanup inside {@code batch}: every record of {@link #RECORD_FAMILIES} loses the
   * fields introduced after {@code target}. Returns how many records changed.
   */
  static long clearNewerFields(StoreBatch batch, Version target) {
    long changed = 0;
    for (Map.Entry<ColumnFamily, Parser<? extends Message>> family : RECORD_FAMILIES.entrySet()) {
      List<byte[][]> rewrites = new ArrayList<>();
      try (RocksIterator it = batch.overlayIterator(family.getKey())) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          Message record = family.getValue().parseFrom(it.value());
          Message cleaned = NewerFields.clearNewerThan(record, target);
          if (cleaned != record) {
            rewrites.add(new byte[][] {it.key(), cleaned.toByteArray()});
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw new StorageCorruptedException("undecodable record in " + family.getKey(), e);
      }
      for (byte[][] rewrite : rewrites) {
        batch.put(family.getKey(), rewrite[0], rewrite[1]);
      }
      changed += rewrites.size();
    }
    return changed;
  }
}
