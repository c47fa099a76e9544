package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.records.LeaseRecord;
import io.strata.api.version.NewerFields;
import io.strata.api.version.Version;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.rocksdb.RocksIterator;

/**
 * The storage schema as data: the versions this build can store, what each version changes in the
 * stored data (with the inverse), and which families hold persisted protobuf records. Together
 * with the {@code since} of every {@link ColumnFamily}, {@link MetaKey} and proto field, this is
 * all migrations are derived from.
 *
 * <p>The changes a version brings, derived from those annotations:
 * <ul>
 *   <li>a column family it introduced: upgrade = its {@link #DERIVED_DATA} rebuild if the family
 *       holds derived data (else nothing: it starts empty), downgrade = every record deleted;</li>
 *   <li>a meta key it introduced: upgrade = nothing, downgrade = the key deleted;</li>
 *   <li>fields of persisted records it introduced: downgrade = cleared in every record of
 *       {@link #RECORD_FAMILIES} ({@link NewerFields}).</li>
 * </ul>
 *
 * <p>Checklist when a version adds something persisted:
 * <ol>
 *   <li>annotate the new field, family or meta key with the version;</li>
 *   <li>add the version to {@link #VERSIONS} if it is new;</li>
 *   <li>a family of protobuf records goes into {@link #RECORD_FAMILIES};</li>
 *   <li>a family of derived data that an older version does not maintain goes into
 *       {@link #DERIVED_DATA} with the action that rebuilds it from the data it derives from.</li>
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

  /**
   * Families of derived data and how an upgrade rebuilds each from the data it is derived from:
   * an older version does not maintain them, so they are dropped on downgrade and rebuilt on
   * upgrade, never carried across stale.
   */
  static final Map<ColumnFamily, BatchAction> DERIVED_DATA = Map.of(
      ColumnFamily.LEASE_KEYS, LeaseKeysIndex::rebuild);

  /** Work one change does inside a migration batch; returns how many records it touched. */
  @FunctionalInterface
  public interface BatchAction {
    long run(StoreBatch batch);
  }

  /** One change a version brings to the stored data, with its inverse. */
  public record Change(Version since, String what, BatchAction upgrade, BatchAction downgrade) {}

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

  /** The changes {@code version} brings, in the order an upgrade applies them. */
  public static List<Change> changesOf(Version version) {
    List<Change> changes = new ArrayList<>();
    for (ColumnFamily family : ColumnFamily.values()) {
      if (family.since().equals(version)) {
        BatchAction rebuild = DERIVED_DATA.get(family);
        changes.add(new Change(version, "column family " + family.name().toLowerCase(),
            rebuild == null ? batch -> 0 : rebuild, batch -> batch.clearFamily(family)));
      }
    }
    for (MetaKey key : MetaKey.values()) {
      if (key.since().equals(version)) {
        changes.add(new Change(version, "meta key " + key.name().toLowerCase(), batch -> 0,
            batch -> batch.deleteMeta(key)));
      }
    }
    return changes;
  }

  /** Families introduced after {@code version}: they hold nothing in data of that version. */
  static List<ColumnFamily> familiesNewerThan(Version version) {
    return Arrays.stream(ColumnFamily.values()).filter(f -> f.since().isNewerThan(version)).toList();
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
