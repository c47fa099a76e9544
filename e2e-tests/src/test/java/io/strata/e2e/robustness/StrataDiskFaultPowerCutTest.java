package io.strata.e2e.robustness;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Convergence;
import io.strata.e2e.harness.LoopDisk;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.Metrics;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lost unsynced writes, a power cut (issue 5; shared/RELIABILITY.md B4): members' data dirs are
 * ext4 loop mounts with a 60 s journal commit interval, so whatever a member wrote without fsync
 * is only in the page cache. The cut is {@code kill -9} followed at once by a copy of the disk
 * image; the member restarts on the copy (ext4 replays its journal as after a reboot), without
 * anything it had not synced.
 *
 * <p>Pass criteria: the member starts on the cut disk (a member that cannot trust its state must
 * refuse to start, and then the test fails and shows why; it must never serve wrong data), rejoins,
 * and the history, including a read of every key from every member after recovery, is
 * linearizable: no acknowledged write is lost and no revision goes back; KV hashes are equal.
 *
 * <ul>
 *   <li>{@link Cut#LEADER}: only the leader loses its unsynced writes; the two others keep serving.
 *   <li>{@link Cut#ALL}: all three at once. A write is acknowledged once a majority has it in its
 *       Raft log, so this passes only if the log is fsynced before a write is acknowledged.
 * </ul>
 *
 * Each with jraft's snapshots off (--snapshot-count far above the run) and with a snapshot every
 * 50 entries, so that the Raft log is compacted behind state-database checkpoints all the time
 * (CI runs one of these four: all three members cut, with frequent snapshots; {@link FaultMatrix}).
 * And a follower cut just after it installed a snapshot from the leader: the installed state must
 * be on disk before the member goes on from it.
 */
class StrataDiskFaultPowerCutTest {
  /** Sparse; an empty member preallocates about 300 MB in RocksDB write-ahead logs. */
  private static final long DISK_BYTES = 1L << 30;
  /** ext4 commits its journal every 60 s: nothing unsynced reaches the image by itself. */
  private static final String MOUNT_OPTIONS = "commit=60";
  private static final Duration BEFORE_CUT = Duration.ofSeconds(8);
  private static final int MIN_SUCCEEDED_WITHOUT_THE_VICTIM = 20;
  private static final int MIN_SUCCEEDED_AFTER_RECOVERY = 20;
  /** Far above what a run writes: jraft never snapshots nor compacts its log. */
  private static final long SNAPSHOTS_OFF = 100_000;
  /** A snapshot (a state-database checkpoint, then Raft log compaction) every 50 entries. */
  private static final long FREQUENT_SNAPSHOTS = 50;

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  enum Cut { LEADER, ALL }

  /** Only in the full matrix. */
  static List<Cut> cutsWithSnapshotsOff() {
    return FaultMatrix.pick(List.of(), List.of(Cut.LEADER, Cut.ALL));
  }

  /**
   * CI cuts every member with frequent snapshots: passes only if the log is fsynced before an ack
   * and if what the members restart from (a checkpoint and the log behind it) was on disk.
   */
  static List<Cut> cutsWithFrequentSnapshots() {
    return FaultMatrix.pick(List.of(Cut.ALL), List.of(Cut.LEADER, Cut.ALL));
  }

  @ParameterizedTest(name = "power cut of {0}, snapshots off", allowZeroInvocations = true)
  @MethodSource("cutsWithSnapshotsOff")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void no_acknowledged_write_is_lost_with_snapshots_off(Cut cut) throws Exception {
    powerCut(cut, SNAPSHOTS_OFF, "snapshots-off");
  }

  @ParameterizedTest(name = "power cut of {0}, a snapshot every 50 entries")
  @MethodSource("cutsWithFrequentSnapshots")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void no_acknowledged_write_is_lost_with_frequent_snapshots(Cut cut) throws Exception {
    powerCut(cut, FREQUENT_SNAPSHOTS, "frequent-snapshots");
  }

  private void powerCut(Cut cut, long snapshotCount, String variant) throws Exception {
    String tag = "[disk-fault] power-cut-" + cut.name().toLowerCase() + "-" + variant;
    try (Disks disks = new Disks()) {
      ProcessCluster cluster = disks.startCluster(snapshotCount);
      try (CheckedTraffic traffic = CheckedTraffic.start(cluster, tag)) {
        traffic.runFor(BEFORE_CUT);
        List<ProcessMember> victims = cut == Cut.ALL ? cluster.members()
            : List.of((ProcessMember) cluster.awaitLeader(Duration.ofSeconds(10)));
        disks.powerCut(victims);
        System.err.printf("%s: cut %s%n", tag, victims.stream().map(Member::name).toList());
        if (cut == Cut.LEADER) {
          assertServesWithout(traffic, "the old leader");
        }
        cluster.startTogether(victims);
        recoverAndCheck(cluster, traffic, tag);
      }
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void a_follower_cut_right_after_installing_a_snapshot_keeps_the_installed_state()
      throws Exception {
    String tag = "[disk-fault] power-cut-after-snapshot-install";
    try (Disks disks = new Disks()) {
      ProcessCluster cluster = disks.startCluster(FREQUENT_SNAPSHOTS);
      Member leader = cluster.awaitLeader(Duration.ofSeconds(30));
      ProcessMember follower = cluster.members().stream().filter(m -> !m.equals(leader))
          .findFirst().orElseThrow();

      try (CheckedTraffic traffic = CheckedTraffic.start(cluster, tag)) {
        traffic.runFor(Duration.ofSeconds(3));
        cluster.kill(follower);
        // Meanwhile the others snapshot and compact their logs past the follower's.
        assertServesWithout(traffic, follower.name());
        cluster.start(follower);
        cluster.waitFor(follower.name() + " to install a snapshot from the leader",
            Duration.ofSeconds(30), () -> Metrics.scrape(follower)
                .sum("etcd_network_snapshot_receive_success") >= 1 ? true : null);
        disks.powerCut(List.of(follower));
        System.err.printf("%s: cut %s right after it installed a snapshot%n", tag,
            follower.name());
        cluster.start(follower);
        recoverAndCheck(cluster, traffic, tag);
      }
    }
  }

  private static void assertServesWithout(CheckedTraffic traffic, String without) {
    traffic.assertServes(traffic.now(), MIN_SUCCEEDED_WITHOUT_THE_VICTIM, "without " + without);
  }

  /** After the victims restarted: more traffic, then a read of every key, convergence, checker. */
  private static void recoverAndCheck(ProcessCluster cluster, CheckedTraffic traffic, String tag) {
    traffic.assertServes(traffic.now(), MIN_SUCCEEDED_AFTER_RECOVERY, "after the restart");
    var result = traffic.stop();
    traffic.readEveryKeyFrom(cluster.members());
    long revision = Convergence.awaitSameRevisionAndHash(cluster, Duration.ofSeconds(30));
    System.err.printf("%s: converged at revision %d%n", tag, revision);
    traffic.assertLinearizable(result);
  }

  /**
   * Every member's data dir on a loop disk of its own; {@link #close} kills the members (a mount
   * stays busy while a member runs on it), then unmounts and detaches every disk.
   */
  private static final class Disks implements AutoCloseable {
    private final Map<ProcessMember, LoopDisk> mounted = new HashMap<>();
    private final List<LoopDisk> all = new ArrayList<>();
    private ProcessCluster cluster;

    ProcessCluster startCluster(long snapshotCount) {
      cluster = clusters.start(Backend.STRATA,
          ClusterSpec.threeMembers().withSnapshotCount(snapshotCount), c -> {
            for (ProcessMember m : c.members()) {
              LoopDisk disk = LoopDisk.format(m.directory().resolve("disk.img"), DISK_BYTES);
              all.add(disk);
              mounted.put(m, disk.mount(m.dataDir(), MOUNT_OPTIONS));
            }
          });
      return cluster;
    }

    /**
     * Kills {@code victims}, copies their disk images at once and mounts the copies in place of
     * the originals; the victims are stopped afterwards.
     */
    void powerCut(List<ProcessMember> victims) {
      for (ProcessMember m : victims) {
        cluster.kill(m);
      }
      for (ProcessMember m : victims) {
        LoopDisk original = mounted.get(m);
        LoopDisk copy = original.powerCutCopy(
            m.directory().resolve("disk-after-cut-" + all.size() + ".img"));
        all.add(copy);
        original.unmount();
        mounted.put(m, copy.mount(m.dataDir(), MOUNT_OPTIONS));
      }
    }

    @Override
    public void close() {
      if (cluster != null) {
        for (ProcessMember m : cluster.members()) {
          cluster.kill(m);
        }
      }
      for (LoopDisk disk : all) {
        disk.close();
      }
    }
  }
}
