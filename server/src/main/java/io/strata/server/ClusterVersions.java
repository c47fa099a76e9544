package io.strata.server;

import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.DowngradeInfoSet;
import io.strata.api.raftpb.Entry;
import io.strata.api.records.DowngradeRecord;
import io.strata.api.version.Version;
import io.strata.raft.LogTail;
import io.strata.raft.RaftLogInspector;
import io.strata.storage.Backend;
import io.strata.storage.ClusterVersionRecord;
import io.strata.storage.DowngradeRecords;
import io.strata.storage.Migration;
import io.strata.storage.ReadView;
import io.strata.storage.RequestResults;
import io.strata.storage.StorageException;
import io.strata.storage.StorageVersion;
import io.strata.storage.StoreBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster version and the downgrade state as this member applied them, and the storage
 * version following the cluster version:
 * <ol>
 *   <li>both are recorded in the store by apply;</li>
 *   <li>a cluster version above this member's own means the member cannot take part: it stops
 *       (etcd's "server version is lower than determined cluster version");</li>
 *   <li>the storage version follows a rising cluster version in the same batch;</li>
 *   <li>a falling cluster version (a downgrade) lowers the storage version at the next snapshot,
 *       which is asked for at once: the lowering is written just before the snapshot is taken,
 *       so every entry applied under the newer version is inside that snapshot, and the snapshot
 *       itself (what the leader ships to members that fall behind) is readable by the target
 *       version.</li>
 * </ol>
 *
 * <p>Threading: {@link #apply}, the listener and {@link #beforeSnapshot} on the apply thread;
 * {@link #current()}, {@link #downgrade()}, {@link #snapshotWanted()} from any thread.
 */
public final class ClusterVersions implements CommandApplier, CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterVersions.class);

  private final Version own;
  private final Runnable onTooOld;
  private final Backend backend;
  private volatile Optional<Version> current;
  private volatile DowngradeRecord downgrade;
  /** The storage version to lower to at the first snapshot at or after {@link #lowerFromIndex}; null: none. */
  private volatile Version lowerStorageTo;
  private volatile long lowerFromIndex;
  private boolean tooOld;
  private volatile MigrationListener migrations = (from, to, nanos) -> { };

  /** Told of every storage version migration this member runs (apply thread). */
  interface MigrationListener {
    void storageMigrated(Version from, Version to, long nanos);
  }

  ClusterVersions(Backend backend, Version own, Runnable onTooOld) {
    this.backend = backend;
    this.own = own;
    this.onTooOld = onTooOld;
    reload();
  }

  private void reload() {
    try (ReadView view = backend.readView()) {
      current = ClusterVersionRecord.of(view);
      downgrade = DowngradeRecords.of(view);
      Optional<Version> storage = StorageVersion.of(view);
      // A downgrade's drop applied before a restart or in an installed snapshot, whose lowering never ran.
      if (current.isPresent() && storage.isPresent() && lowersStorage(current.get(), storage.get())) {
        scheduleLowering(current.get(), view.consistentIndex());
      } else {
        lowerStorageTo = null;
      }
    }
  }

  void setMigrationListener(MigrationListener listener) {
    this.migrations = listener;
  }

  public Optional<Version> current() {
    return current;
  }

  /** The downgrade state as applied (the default instance when none was ever enabled). */
  public DowngradeRecord downgrade() {
    return downgrade;
  }

  /** Strata's downgrade state: none, enabled, cancelled, or complete (every member ran the target). */
  public String downgradeState() {
    DowngradeRecord record = downgrade;
    if (record.getEnabled()) {
      return "enabled";
    }
    if (record.getTargetVersion().isEmpty()) {
      return "none";
    }
    return record.getCompleted() ? "complete" : "cancelled";
  }

  /**
   * What the cluster version allows: every feature gate asks this. Before the first decision the
   * cluster is treated as the oldest version, so nothing newer is used until every member is known
   * to support it. On the apply thread this is the version as of the entry being applied, the
   * same on every member.
   */
  public StrataVersion capabilities() {
    return current.map(v -> v.isNewerThan(StrataVersion.LATEST.version()) ? StrataVersion.LATEST : StrataVersion.of(v))
        .orElse(StrataVersion.V1_0);
  }

  @Override
  public ApplyResult apply(Entry entry, long index, StoreBatch batch) {
    switch (entry.getCommandCase()) {
      case CLUSTER_VERSION_SET -> applyClusterVersion(Version.parse(entry.getClusterVersionSet().getVersion()), index, batch);
      case DOWNGRADE_INFO_SET -> applyDowngradeInfo(entry.getDowngradeInfoSet(), batch);
      default -> throw new IllegalArgumentException("not a cluster version command: " + entry.getCommandCase());
    }
    return ApplyResult.getDefaultInstance();
  }

  private void applyClusterVersion(Version decided, long index, StoreBatch batch) {
    ClusterVersionRecord.write(batch, decided);
    Optional<Version> storage = StorageVersion.of(batch);
    if (storage.isPresent() && decided.isNewerThan(storage.get()) && !decided.isNewerThan(own)) {
      long started = System.nanoTime();
      Migration.runIn(batch, storage.get(), decided, step -> LOG.info("storage version follows the cluster: {}", step));
      migrations.storageMigrated(storage.get(), decided, System.nanoTime() - started);
    }
    if (storage.isPresent() && lowersStorage(decided, storage.get())) {
      LOG.info("cluster version downgrade detected ({} -> {}): the storage version is lowered at a snapshot taken now",
          storage.get(), decided);
      scheduleLowering(decided, index);
    } else {
      lowerStorageTo = null;
    }
    if (!decided.equals(current.orElse(null))) {
      LOG.info("cluster version is now {}", decided);
    }
    // Idempotent writes: a cluster version without them forgets every request id, on every member.
    if (capabilities().supportsIdempotentWrites() && StrataVersion.V1_2.version().isNewerThan(decided)) {
      RequestResults.clear(batch);
    }
    current = Optional.of(decided);
    tooOld |= decided.isNewerThan(own);
  }

  private void applyDowngradeInfo(DowngradeInfoSet set, StoreBatch batch) {
    DowngradeRecord applied = set.getEnabled()
        ? DowngradeRecord.newBuilder().setEnabled(true).setTargetVersion(set.getTargetVersion()).build()
        : DowngradeRecord.newBuilder().setTargetVersion(downgrade.getTargetVersion()).setCompleted(set.getCompleted()).build();
    DowngradeRecords.write(batch, applied);
    if (applied.getEnabled()) {
      LOG.info("downgrade to {} enabled", applied.getTargetVersion());
    } else if (downgrade.getEnabled()) {
      LOG.info(applied.getCompleted() ? "the cluster has been downgraded to {}: the downgrade is complete"
          : "downgrade to {} cancelled", applied.getTargetVersion());
    }
    downgrade = applied;
  }

  /**
   * Whether the storage version must come down to the cluster version: only for an enabled
   * downgrade to it. Storage may otherwise stay above the cluster version (a member whose data was
   * moved up with {@code strata migrate} ahead of the cluster), as features follow the cluster
   * version, and lowering would throw away data for nothing.
   */
  private boolean lowersStorage(Version cluster, Version storage) {
    return storage.isNewerThan(cluster) && downgrade.getEnabled()
        && downgrade.getTargetVersion().equals(cluster.toString());
  }

  private void scheduleLowering(Version target, long fromIndex) {
    lowerFromIndex = fromIndex;
    lowerStorageTo = target;
  }

  /** A storage version lowering waits for a snapshot. */
  boolean snapshotWanted() {
    return lowerStorageTo != null;
  }

  /**
   * The snapshot about to be taken covers {@code appliedIndex}: when that includes the cluster
   * version drop, the storage version is lowered now, so the snapshot carries it. Not while the
   * log after the snapshot holds an entry the target cannot read (proposed before the drop
   * reached its proposer): those would be replayed on top of the lowered data; the lowering then
   * waits for a later snapshot, which is asked for again.
   */
  void beforeSnapshot(long appliedIndex, LogTail logTail) {
    Version target = lowerStorageTo;
    if (target == null || appliedIndex < lowerFromIndex) {
      return;
    }
    RaftLogInspector.LogScan tail = logTail.after(appliedIndex);
    if (tail.minimalVersion().isNewerThan(target)) {
      LOG.info("not lowering the storage version to {} yet: entry {} after the snapshot at index {} needs {}",
          target, tail.newestEntryIndex(), appliedIndex, tail.minimalVersion());
      return;
    }
    try (StoreBatch batch = backend.beginBatch()) {
      Optional<Version> storage = StorageVersion.of(batch);
      if (storage.isPresent() && storage.get().isNewerThan(target)) {
        long started = System.nanoTime();
        Migration.runIn(batch, storage.get(), target, step -> LOG.info("lowering the storage version: {}", step));
        batch.commit();
        migrations.storageMigrated(storage.get(), target, System.nanoTime() - started);
        LOG.info("storage version lowered to {} in the snapshot at index {} ({} entries after it, none newer):"
            + " this member is ready to be downgraded", target, appliedIndex, tail.dataEntries());
      }
    }
    lowerStorageTo = null;
  }

  /** Refuses a snapshot whose data this member's version cannot read. */
  String refuseSnapshot(Path snapshotDb) {
    try {
      Optional<Version> storage = StorageVersion.detect(snapshotDb);
      return storage.isPresent() && storage.get().isNewerThan(own)
          ? "its storage version " + storage.get() + " is newer than this member's version " + own
              + "; the leader has not lowered its storage version yet (a downgrade lowers it at its next snapshot)"
          : null;
    } catch (StorageException e) {
      return "its storage version cannot be read: " + e.getMessage();
    }
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    if (tooOld) {
      tooOld = false;
      LOG.error("server version {} is lower than the cluster version {}; stopping", own, current.orElse(null));
      onTooOld.run();
    }
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    reload();
  }
}
