package io.strata.e2e.version;

import static io.strata.e2e.harness.VersionWaits.awaitVersions;
import static io.strata.e2e.harness.VersionWaits.clusterVersion;
import static io.strata.e2e.version.DowngradeSupport.downgrade;
import static io.strata.e2e.version.DowngradeSupport.putWithRequestId;
import static io.strata.e2e.harness.VersionWaits.downgradeState;
import static io.strata.e2e.harness.VersionWaits.storageVersion;
import static io.strata.e2e.version.DowngradeSupport.swap;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The 1.2-only data across a downgrade to 1.1 and an upgrade back: the lease->keys index and the
 * results of idempotent writes are removed by the downgrade; at 1.1 the index is not maintained,
 * so the upgrade rebuilds it from the kv data, and a lease revoke afterwards deletes exactly the
 * lease's keys, including those attached and detached while the cluster ran 1.1. A request id
 * used before the downgrade is unknown afterwards.
 */
@Tag("strata")
class StrataDowngradeRoundTripTest {
  private static final Pattern LEASE = Pattern.compile("lease ([0-9a-f]+) granted");

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void the_lease_keys_index_and_request_results_are_dropped_by_a_downgrade_and_the_index_rebuilt_by_the_upgrade() {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    awaitVersions(cluster, "cluster version 1.2", clusterVersion("1.2"), storageVersion("1.2"));
    String lease = grant(cluster);
    for (String key : List.of("a1", "a2", "a3", "a4", "a5")) {
      assertThat(cluster.etcdctl().run("put", "rt/" + key, "v", "--lease=" + lease).stdout()).isEqualTo("OK\n");
    }
    long firstRevision = putWithRequestId(cluster, cluster.member(0), "rt/idempotent", "424242");
    assertThat(putWithRequestId(cluster, cluster.member(1), "rt/idempotent", "424242")).isEqualTo(firstRevision);

    List<String> plan = downgrade(cluster, cluster.member(0), DowngradeAction.VALIDATE, "1.1").plan();
    assertThat(plan.get(0)).contains("removed column family lease_keys (5 records)",
        "removed column family request_results (2 records)");

    downgrade(cluster, cluster.member(0), DowngradeAction.ENABLE, "1.1");
    awaitVersions(cluster, "storage lowered", clusterVersion("1.1"), storageVersion("1.1"), downgradeState("enabled"));
    for (Member m : cluster.members()) {
      swap(cluster, m, "1.1");
    }
    awaitVersions(cluster, "downgrade complete", clusterVersion("1.1"), storageVersion("1.1"), downgradeState("complete"));

    // At 1.1: attach more keys, detach one, delete one, and use another lease.
    for (String key : List.of("b1", "b2", "b3")) {
      assertThat(cluster.etcdctl().run("put", "rt/" + key, "v", "--lease=" + lease).stdout()).isEqualTo("OK\n");
    }
    assertThat(cluster.etcdctl().run("put", "rt/a2", "unleased").stdout()).isEqualTo("OK\n");
    assertThat(cluster.etcdctl().run("del", "rt/a1").stdout()).isEqualTo("1\n");
    String other = grant(cluster);
    assertThat(cluster.etcdctl().run("put", "rt/c1", "v", "--lease=" + other).stdout()).isEqualTo("OK\n");

    for (Member m : cluster.members()) {
      swap(cluster, m, "1.2");
    }
    awaitVersions(cluster, "upgraded to 1.2", clusterVersion("1.2"), storageVersion("1.2"));
    for (Member m : cluster.members()) {
      assertThat(downgrade(cluster, m, DowngradeAction.VALIDATE, "1.1").plan().get(0)).as(m.name())
          .contains("removed column family lease_keys (7 records)", "removed column family request_results (0 records)");
    }

    assertThat(cluster.etcdctl().run("lease", "revoke", lease).stdout()).contains("revoked");
    for (Member m : cluster.members()) {
      cluster.waitFor(m.name() + " to apply the revoke", VersionWaits.WAIT,
          () -> cluster.grpc(m).getPrefix("rt/", true).containsKey("rt/b1") ? null : true);
      Map<String, String> left = cluster.grpc(m).getPrefix("rt/", true);
      assertThat(left).as(m.name()).containsOnlyKeys("rt/a2", "rt/c1", "rt/idempotent");
    }
    assertThat(putWithRequestId(cluster, cluster.member(2), "rt/idempotent", "424242"))
        .as("a request id from before the downgrade is forgotten").isGreaterThan(firstRevision);
  }

  private static String grant(Cluster cluster) {
    String out = cluster.etcdctl().run("lease", "grant", "600").stdout();
    Matcher m = LEASE.matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }
}
