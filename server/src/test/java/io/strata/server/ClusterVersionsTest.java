package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.raftpb.ClusterVersionSet;
import io.strata.api.raftpb.DowngradeInfoSet;
import io.strata.api.raftpb.Entry;
import io.strata.api.version.MinimalVersion;
import io.strata.api.version.Version;
import io.strata.raft.LogTail;
import io.strata.raft.RaftLogInspector;
import io.strata.storage.Backend;
import io.strata.storage.ClusterVersionRecord;
import io.strata.storage.ReadView;
import io.strata.storage.StorageVersion;
import io.strata.storage.StoreBatch;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterVersionsTest {
  private static final Version V1_0 = Version.parse("1.0");
  private static final Version V1_1 = Version.parse("1.1");
  private static final Version V1_2 = Version.parse("1.2");

  /** A log with nothing after the snapshot. */
  private static final LogTail EMPTY_TAIL = index -> new RaftLogInspector.LogScan(0, MinimalVersion.BASELINE, 0);

  @TempDir Path dir;
  private Backend backend;
  private final AtomicInteger stops = new AtomicInteger();
  private long index;

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
    try (StoreBatch batch = backend.beginBatch()) {
      StorageVersion.write(batch, V1_2);
      ClusterVersionRecord.write(batch, V1_2);
      batch.commit();
    }
  }

  @AfterEach
  void close() {
    backend.close();
  }

  private ClusterVersions member() {
    return new ClusterVersions(backend, V1_2, stops::incrementAndGet);
  }

  private void apply(ClusterVersions versions, Entry.Builder entry) {
    try (StoreBatch batch = backend.beginBatch()) {
      versions.apply(entry.build(), ++index, batch);
      batch.setApplied(index, 1);
      batch.commit();
      versions.committed(batch.events(), batch.currentRevision(), index);
    }
  }

  private static Entry.Builder clusterVersion(Version version) {
    return Entry.newBuilder().setClusterVersionSet(ClusterVersionSet.newBuilder().setVersion(version.toString()));
  }

  private static Entry.Builder downgrade(boolean enabled, String target) {
    return Entry.newBuilder().setDowngradeInfoSet(DowngradeInfoSet.newBuilder().setEnabled(enabled).setTargetVersion(target));
  }

  private Optional<Version> storage() {
    try (ReadView view = backend.readView()) {
      return StorageVersion.of(view);
    }
  }

  @Test
  void anEnabledDowngradeLowersTheStorageVersionInTheFirstSnapshotThatCoversTheDrop() {
    ClusterVersions versions = member();
    apply(versions, downgrade(true, "1.1"));
    assertThat(versions.snapshotWanted()).isFalse();
    apply(versions, clusterVersion(V1_1));
    long dropIndex = index;
    assertThat(versions.snapshotWanted()).isTrue();
    assertThat(storage()).contains(V1_2);

    versions.beforeSnapshot(dropIndex - 1, EMPTY_TAIL); // a snapshot taken before the drop changes nothing
    assertThat(storage()).contains(V1_2);
    assertThat(versions.snapshotWanted()).isTrue();

    versions.beforeSnapshot(dropIndex, EMPTY_TAIL);
    assertThat(storage()).contains(V1_1);
    assertThat(versions.snapshotWanted()).isFalse();
    assertThat(versions.capabilities()).isEqualTo(StrataVersion.V1_1);
  }

  @Test
  void theLoweringWaitsWhileTheLogAfterTheSnapshotHoldsAnEntryTheTargetCannotRead() {
    ClusterVersions versions = member();
    apply(versions, downgrade(true, "1.1"));
    apply(versions, clusterVersion(V1_1));
    versions.beforeSnapshot(index, after -> new RaftLogInspector.LogScan(3, V1_2, after + 2));
    assertThat(storage()).contains(V1_2);
    assertThat(versions.snapshotWanted()).isTrue();
    versions.beforeSnapshot(index + 3, after -> new RaftLogInspector.LogScan(5, V1_1, after + 1));
    assertThat(storage()).contains(V1_1);
    assertThat(versions.snapshotWanted()).isFalse();
  }

  @Test
  void aRestartBetweenTheDropAndItsSnapshotStillLowersTheStorageVersion() {
    ClusterVersions before = member();
    apply(before, downgrade(true, "1.1"));
    apply(before, clusterVersion(V1_1));
    ClusterVersions restarted = member();
    assertThat(restarted.snapshotWanted()).isTrue();
    restarted.beforeSnapshot(index, EMPTY_TAIL);
    assertThat(storage()).contains(V1_1);
  }

  @Test
  void withoutAnEnabledDowngradeTheStorageVersionMayStayAboveTheClusterVersion() {
    // Data moved up with `strata migrate` ahead of a cluster still at 1.0.
    try (StoreBatch batch = backend.beginBatch()) {
      ClusterVersionRecord.write(batch, V1_0);
      batch.commit();
    }
    ClusterVersions versions = member();
    assertThat(versions.snapshotWanted()).isFalse();
    apply(versions, clusterVersion(V1_1));
    assertThat(versions.snapshotWanted()).isFalse();
    versions.beforeSnapshot(index, EMPTY_TAIL);
    assertThat(storage()).contains(V1_2);
  }

  @Test
  void aCancelRaisesTheClusterVersionAndTheStorageFollowsItUpInTheSameBatch() {
    ClusterVersions versions = member();
    apply(versions, downgrade(true, "1.1"));
    apply(versions, clusterVersion(V1_1));
    versions.beforeSnapshot(index, EMPTY_TAIL);
    apply(versions, downgrade(false, ""));
    assertThat(versions.downgrade().getEnabled()).isFalse();
    assertThat(versions.downgrade().getCompleted()).isFalse();
    assertThat(versions.downgrade().getTargetVersion()).isEqualTo("1.1");
    apply(versions, clusterVersion(V1_2));
    assertThat(storage()).contains(V1_2);
    assertThat(versions.snapshotWanted()).isFalse();
    assertThat(stops).hasValue(0);
  }

  @Test
  void aClusterVersionAboveTheMembersOwnStopsIt() {
    ClusterVersions versions = new ClusterVersions(backend, V1_1, stops::incrementAndGet);
    apply(versions, clusterVersion(V1_2));
    assertThat(stops).hasValue(1);
  }

  @Test
  void aSnapshotNewerThanTheMemberIsRefused() {
    backend.close();
    ClusterVersions older;
    try (Backend other = Backend.open(dir.resolve("other"))) {
      try (StoreBatch batch = other.beginBatch()) {
        StorageVersion.write(batch, V1_1);
        batch.commit();
      }
      older = new ClusterVersions(other, V1_1, stops::incrementAndGet);
      assertThat(older.refuseSnapshot(dir.resolve("other"))).isNull();
    }
    assertThat(older.refuseSnapshot(dir.resolve("db")))
        .contains("its storage version 1.2 is newer than this member's version 1.1");
    backend = Backend.open(dir.resolve("db"));
  }
}
