package io.strata.e2e.version;

import static io.strata.e2e.harness.VersionWaits.awaitVersions;
import static io.strata.e2e.harness.VersionWaits.clusterVersion;
import static io.strata.e2e.version.DowngradeSupport.downgrade;
import static io.strata.e2e.harness.VersionWaits.downgradeState;
import static io.strata.e2e.harness.VersionWaits.storageVersion;
import static io.strata.e2e.version.DowngradeSupport.swap;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.api.etcdserverpb.HashKVRequest;
import io.strata.api.etcdserverpb.MemberListRequest;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import io.strata.e2e.harness.Stratactl;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The online downgrade of a 3-member cluster, 1.2 -> 1.1 -> 1.0, one member at a time, while
 * clients write without pause: ENABLE lowers the cluster and storage versions on every member, the
 * members are then restarted as the older release one by one, and the leader ends the downgrade
 * by itself once all run it. Nothing acknowledged is lost, the members agree, the member list is
 * unchanged, and Status and /version say the downgrade is complete.
 */
@Tag("strata")
class StrataOnlineDowngradeTest {
  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void downgrade_1_2_to_1_0_one_member_at_a_time_under_continuous_writes() throws Exception {
    // Frequent snapshots: members restarted as the older release catch up from what the others
    // snapshot after the cluster version dropped.
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers().withSnapshotCount(200));
    awaitVersions(cluster, "cluster version 1.2", clusterVersion("1.2"), storageVersion("1.2"), downgradeState("none"));
    Set<Long> memberIds = memberIds(cluster);

    ContinuousWriters writers = new ContinuousWriters(cluster, 3);
    try {
      for (String target : List.of("1.1", "1.0")) {
        long before = writers.acknowledgedCount();
        DowngradeSupport.Reply validated = downgrade(cluster, cluster.member(0), DowngradeAction.VALIDATE, target);
        String from = target.equals("1.1") ? "1.2" : "1.1";
        assertThat(validated.response().getVersion()).isEqualTo(from);
        assertThat(validated.plan()).as("what the downgrade will remove").isNotEmpty();
        assertThat(validated.plan().get(0)).startsWith("step " + from + " -> " + target + ": ");
        if (target.equals("1.1")) {
          assertThat(validated.plan().get(0)).contains("removed column family lease_keys", "removed column family request_results");
        }

        long enabledAt = System.nanoTime();
        Etcdctl.Result enabled = Stratactl.forEndpoints(cluster.member(1).clientEndpoint())
            .run("downgrade", "enable", target);
        assertThat(enabled.stdout()).as(enabled.describe())
            .isEqualTo("Downgrade enable success, cluster version " + from + "\n");
        // Every member: cluster and storage at the target while still running the newer version.
        awaitVersions(cluster, "downgrade to " + target + " enabled, storage lowered",
            clusterVersion(target), storageVersion(target), downgradeState("enabled"));
        System.err.printf("[e2e] downgrade %s -> %s: storage lowered on every member %d ms after ENABLE, under load%n",
            from, target, (System.nanoTime() - enabledAt) / 1_000_000);
        for (Member m : cluster.members()) {
          StatusResponse status = cluster.grpc(m).status();
          assertThat(status.getDowngradeInfo().getEnabled()).isTrue();
          assertThat(status.getDowngradeInfo().getTargetVersion()).isEqualTo(target + ".0");
          assertThat(status.getStorageVersion()).isEqualTo(target + ".0");
          assertThat(status.getVersion()).isEqualTo(from + ".0");
        }

        Etcdctl.Result ready = Stratactl.forEndpoints(cluster.endpoints()).run("downgrade", "status");
        assertThat(ready.stdout()).as(ready.describe()).endsWith("Downgrade to " + target
            + " enabled: storage lowered on all members; replace binaries with " + target + " one member at a time\n");
        for (Member m : cluster.members()) {
          swap(cluster, m, target);
        }
        awaitVersions(cluster, "downgrade to " + target + " complete", clusterVersion(target), storageVersion(target), downgradeState("complete"),
            "\"enabled\":false");
        Etcdctl.Result complete = Stratactl.forEndpoints(cluster.endpoints()).run("downgrade", "status");
        assertThat(complete.stdout()).as(complete.describe())
            .endsWith("Downgrade to " + target + " complete: every member runs " + target + "\n");
        for (Member m : cluster.members()) {
          StatusResponse status = cluster.grpc(m).status();
          assertThat(status.getDowngradeState()).isEqualTo("complete");
          assertThat(status.getDowngradeInfo().getEnabled()).isFalse();
        }
        assertThat(writers.acknowledgedCount() - before).as("writes acknowledged while downgrading to " + target)
            .isGreaterThan(100);
      }
    } finally {
      writers.close();
    }
    System.err.printf("[e2e] %d writes acknowledged, %d failed (members restarting)%n",
        writers.acknowledgedCount(), writers.failures());
    assertEveryMemberServesExactlyTheWrites(cluster, writers);
    assertThat(memberIds(cluster)).isEqualTo(memberIds);
  }

  @Test
  void a_single_member_cluster_downgrades_and_upgrades_again() {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.ofSize(1));
    awaitVersions(cluster, "cluster version 1.2", clusterVersion("1.2"), storageVersion("1.2"));
    Member only = cluster.member(0);
    assertThat(cluster.etcdctl().run("put", "one/k", "v").stdout()).isEqualTo("OK\n");
    downgrade(cluster, only, DowngradeAction.ENABLE, "1.1");
    awaitVersions(cluster, "storage lowered", clusterVersion("1.1"), storageVersion("1.1"), downgradeState("enabled"));
    swap(cluster, only, "1.1");
    awaitVersions(cluster, "downgrade complete", clusterVersion("1.1"), storageVersion("1.1"), downgradeState("complete"));
    assertThat(cluster.etcdctl().run("get", "one/k").stdout()).isEqualTo("one/k\nv\n");
    swap(cluster, only, "1.2");
    awaitVersions(cluster, "upgraded again", clusterVersion("1.2"), storageVersion("1.2"), downgradeState("complete"));
    assertThat(cluster.etcdctl().run("put", "one/k", "w").stdout()).isEqualTo("OK\n");
  }

  static Set<Long> memberIds(Cluster cluster) {
    Set<Long> ids = new HashSet<>();
    io.strata.api.etcdserverpb.ClusterGrpc.newBlockingStub(cluster.grpc(cluster.member(0)).channel())
        .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
        .memberList(MemberListRequest.getDefaultInstance()).getMembersList()
        .forEach(m -> ids.add(m.getID()));
    return ids;
  }

  /** Every member serves every acknowledged write (and only written keys), and their KV hashes agree. */
  static void assertEveryMemberServesExactlyTheWrites(Cluster cluster, ContinuousWriters writers) {
    // Every acknowledged write was applied by the member that acknowledged it: the highest
    // revision any member reports covers them all.
    long revision = cluster.members().stream()
        .mapToLong(m -> cluster.grpc(m).status().getHeader().getRevision()).max().orElseThrow();
    for (Member m : cluster.members()) {
      cluster.waitFor(m.name() + " to reach revision " + revision, VersionWaits.WAIT,
          () -> cluster.grpc(m).status().getHeader().getRevision() >= revision ? true : null);
    }
    Integer hash = null;
    for (Member m : cluster.members()) {
      if (writers != null) {
        Map<String, String> seen = cluster.grpc(m).getPrefix(ContinuousWriters.PREFIX, true);
        assertThat(writers.problemWith(seen)).as(m.name()).isNull();
      }
      int memberHash = cluster.grpc(m).maintenance(Duration.ofSeconds(10))
          .hashKV(HashKVRequest.newBuilder().setRevision(revision).build()).getHash();
      if (hash == null) {
        hash = memberHash;
      }
      assertThat(memberHash).as("KV hash of " + m.name() + " at revision " + revision).isEqualTo(hash);
    }
  }
}
