package io.strata.e2e.robustness;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Convergence;
import io.strata.e2e.harness.Leadership;
import io.strata.e2e.harness.LoopDisk;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A full disk (issue 5): the leader's data dir is a small loop-mounted ext4; in the middle of the
 * traffic another writer fills it to the last block. Real ENOSPC is not etcd's quota (the NOSPACE
 * alarm, raised when the database exceeds --quota-backend-bytes, is covered by the maintenance
 * conformance tests): etcd panics when its disk is full, and so must Strata stop rather than go on
 * with a log or database that could not be written. Pass criteria:
 *
 * <ul>
 *   <li>the member stops: its process exits with a non-zero code and its log names the cause ("No
 *       space left on device");
 *   <li>the other two keep serving;
 *   <li>once space is freed, the restarted member catches up; the history, with a read of every
 *       key from every member, is linearizable (no acknowledged write lost); KV hashes are equal.
 * </ul>
 *
 * RocksDB preallocates its write-ahead logs (about 150 MB each, for the Raft log and the state
 * database), so appends may go on for a while on a full disk; a snapshot every 50 entries (a
 * checkpoint of the state database and jraft's snapshot files) makes the member need new blocks
 * soon after the disk is full. It stops on the first write that fails (in these runs jraft's
 * snapshot files, which jraft reports as a node error; a failed Raft log append or state-database
 * write stops it the same way).
 */
class StrataDiskFaultFullDiskTest {
  /** An empty member takes about 300 MB (preallocated write-ahead logs); the rest gets filled. */
  private static final long DISK_BYTES = 512L << 20;
  private static final long SNAPSHOT_COUNT = 50;
  private static final Duration BEFORE_FAULT = Duration.ofSeconds(4);
  private static final Duration AFTER_RECOVERY = Duration.ofSeconds(3);
  /**
   * Writes may go on in preallocated space until the member next needs a block, and a flush that
   * deletes an old write-ahead log frees space for a while: stopping takes 2 to 20 s here.
   */
  private static final Duration STOP_BOUND = Duration.ofSeconds(40);
  private static final int MIN_SUCCEEDED_WITHOUT_THE_MEMBER = 20;

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void a_member_whose_disk_fills_up_stops_and_recovers_once_space_is_freed() throws Exception {
    String tag = "[disk-fault] full-disk";
    LoopDisk[] disk = new LoopDisk[1];
    ProcessCluster cluster = null;
    try {
      cluster = clusters.start(Backend.STRATA,
          ClusterSpec.threeMembers().withSnapshotCount(SNAPSHOT_COUNT), c -> {
            ProcessMember m = c.members().get(0);
            disk[0] = LoopDisk.format(m.directory().resolve("disk.img"), DISK_BYTES)
                .mount(m.dataDir(), "");
          });
      ProcessMember full = cluster.members().get(0);
      Leadership.moveTo(cluster, full, Duration.ofSeconds(30));

      try (CheckedTraffic traffic = CheckedTraffic.start(cluster, tag)) {
        traffic.runFor(BEFORE_FAULT);
        Path filler = full.dataDir().resolve("filler");
        long fault = System.nanoTime();
        long filled = fill(filler);
        System.err.printf("%s: filled %s's disk with %d MiB; %d bytes left%n", tag, full.name(),
            filled >> 20, disk[0].freeBytes());
        MemberStop stop = MemberStop.await(cluster, full, fault, STOP_BOUND,
            "No space left on device", "the data dir's disk is full");
        System.err.printf("%s: %s stopped: %s%n", tag, full.name(), stop);

        traffic.assertServes(traffic.now(), MIN_SUCCEEDED_WITHOUT_THE_MEMBER,
            "while " + full.name() + " is down");

        Files.delete(filler);
        cluster.start(full);
        traffic.runFor(AFTER_RECOVERY);
        var result = traffic.stop();

        traffic.readEveryKeyFrom(cluster.members());
        long revision = Convergence.awaitSameRevisionAndHash(cluster, Duration.ofSeconds(30));
        System.err.printf("%s: converged at revision %d%n", tag, revision);
        traffic.assertLinearizable(result);
      }
    } finally {
      if (cluster != null) {
        for (ProcessMember m : cluster.members()) {
          cluster.kill(m);
        }
      }
      if (disk[0] != null) {
        disk[0].close();
      }
    }
  }

  /** Writes zeros to {@code file} until the disk is full; returns its size. */
  private static long fill(Path file) throws IOException {
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(chunk); // a write that fits partly writes what fits, then fails
      }
    } catch (IOException e) {
      if (e.getMessage() == null || !e.getMessage().contains("No space left on device")) {
        throw e;
      }
    }
    return Files.size(file);
  }
}
