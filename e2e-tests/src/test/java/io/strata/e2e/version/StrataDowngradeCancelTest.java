package io.strata.e2e.version;

import static io.strata.e2e.harness.VersionWaits.awaitVersions;
import static io.strata.e2e.harness.VersionWaits.clusterVersion;
import static io.strata.e2e.version.DowngradeSupport.downgrade;
import static io.strata.e2e.version.DowngradeSupport.downgradeError;
import static io.strata.e2e.harness.VersionWaits.downgradeState;
import static io.strata.e2e.harness.VersionWaits.storageVersion;
import static io.strata.e2e.version.DowngradeSupport.swap;
import static io.strata.e2e.harness.VersionWaits.versionJson;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.Stratactl;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Downgrade requests refused with etcd's messages, and CANCEL at each point etcd's tests cancel:
 * before any member was swapped (the cluster goes back to 1.2), and after one or two were (the
 * cluster stays at the lowest member version until they are upgraded again). Along the way: a 1.2
 * member may restart while a downgrade is enabled, and a 1.0 member cannot start on the data.
 */
@Tag("strata")
class StrataDowngradeCancelTest {
  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void bad_requests_get_etcds_errors_and_cancel_restores_the_lowest_member_version() throws Exception {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    awaitVersions(cluster, "cluster version 1.2", clusterVersion("1.2"), storageVersion("1.2"));
    Member any = cluster.member(0);
    assertThat(cluster.etcdctl().run("put", "before/k", "v").stdout()).isEqualTo("OK\n");

    assertThat(downgradeError(cluster, any, DowngradeAction.VALIDATE, "abc"))
        .isEqualTo("INVALID_ARGUMENT: etcdserver: wrong downgrade target version format");
    assertThat(downgradeError(cluster, any, DowngradeAction.VALIDATE, "1.0"))
        .isEqualTo("INVALID_ARGUMENT: etcdserver: invalid downgrade target version");
    assertThat(downgradeError(cluster, any, DowngradeAction.ENABLE, "1.3"))
        .isEqualTo("INVALID_ARGUMENT: etcdserver: invalid downgrade target version");
    assertThat(downgradeError(cluster, any, DowngradeAction.CANCEL, ""))
        .isEqualTo("FAILED_PRECONDITION: etcdserver: no inflight downgrade job");
    assertThat(downgrade(cluster, any, DowngradeAction.VALIDATE, "1.1.0").response().getVersion()).isEqualTo("1.2");
    Etcdctl.Result validated = Stratactl.forEndpoints(any.clientEndpoint()).run("downgrade", "validate", "1.1");
    assertThat(validated.stdout()).as(validated.describe()).startsWith("Downgrade validate success, cluster version 1.2\n")
        .contains("step 1.2 -> 1.1: removed column family request_results (0 records)");
    Etcdctl.Result refused = Stratactl.forEndpoints(any.clientEndpoint()).run("downgrade", "validate", "1.0");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr()).isEqualTo("Error: etcdserver: invalid downgrade target version\n");
    assertThat(versionJson(any)).as("VALIDATE changes nothing").contains(clusterVersion("1.2"), downgradeState("none"));

    // Cancel before any member was swapped: back to 1.2, storage raised again.
    enableAndAwaitStorageLowered(cluster);
    // etcd's order: the target is checked against the cluster version (now 1.1) first.
    assertThat(downgradeError(cluster, cluster.member(2), DowngradeAction.ENABLE, "1.1"))
        .isEqualTo("INVALID_ARGUMENT: etcdserver: invalid downgrade target version");
    assertThat(downgradeError(cluster, cluster.member(2), DowngradeAction.ENABLE, "1.0"))
        .isEqualTo("FAILED_PRECONDITION: etcdserver: cluster has a downgrade job in progress");
    assertThat(downgrade(cluster, cluster.member(1), DowngradeAction.CANCEL, "").response().getVersion()).isEqualTo("1.1");
    awaitVersions(cluster, "cancelled, back to 1.2", clusterVersion("1.2"), storageVersion("1.2"), downgradeState("cancelled"));

    // Cancel after one member was swapped: the cluster stays at 1.1 until that member runs 1.2.
    enableAndAwaitStorageLowered(cluster);
    swap(cluster, cluster.member(0), "1.1");
    cluster.restart(cluster.member(1)); // a 1.2 member may rejoin while the downgrade is enabled
    awaitVersions(cluster, "a 1.2 member rejoined", clusterVersion("1.1"), downgradeState("enabled"));
    downgrade(cluster, cluster.member(2), DowngradeAction.CANCEL, "");
    awaitVersions(cluster, "cancelled with one 1.1 member", clusterVersion("1.1"), downgradeState("cancelled"));
    swap(cluster, cluster.member(0), "1.2");
    awaitVersions(cluster, "every member runs 1.2 again", clusterVersion("1.2"), storageVersion("1.2"), downgradeState("cancelled"));

    // Cancel after two members were swapped: still 1.1; a 1.0 member cannot start on the data.
    enableAndAwaitStorageLowered(cluster);
    swap(cluster, cluster.member(0), "1.1");
    swap(cluster, cluster.member(1), "1.1");
    downgrade(cluster, cluster.member(2), DowngradeAction.CANCEL, "");
    awaitVersions(cluster, "cancelled with two 1.1 members", clusterVersion("1.1"), storageVersion("1.1"), downgradeState("cancelled"));
    ProcessMember third = (ProcessMember) cluster.member(2);
    cluster.stop(third);
    assertThat(DowngradeSupport.refusedStart(third, "1.0")).contains("newer than this member's version 1.0");
    cluster.start(third);
    swap(cluster, cluster.member(0), "1.2");
    swap(cluster, cluster.member(1), "1.2");
    awaitVersions(cluster, "every member runs 1.2 again", clusterVersion("1.2"), storageVersion("1.2"));
    assertThat(cluster.etcdctl().run("get", "before/k").stdout()).isEqualTo("before/k\nv\n");
    StrataOnlineDowngradeTest.assertEveryMemberServesExactlyTheWrites(cluster, null);
  }

  private static void enableAndAwaitStorageLowered(Cluster cluster) {
    assertThat(downgrade(cluster, cluster.member(0), DowngradeAction.ENABLE, "1.1").response().getVersion()).isEqualTo("1.2");
    awaitVersions(cluster, "downgrade to 1.1 enabled", clusterVersion("1.1"), storageVersion("1.1"), downgradeState("enabled"));
  }
}
