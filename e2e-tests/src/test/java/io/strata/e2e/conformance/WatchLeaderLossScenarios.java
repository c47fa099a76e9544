package io.strata.e2e.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Member;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcdctl's watch asks for etcd's require-leader semantics: a member that loses its quorum ends
 * the watch with "no leader" (so the client can go to a member that has one), and refuses new
 * watches while it has no leader.
 */
public abstract class WatchLeaderLossScenarios {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String NO_LEADER =
      "watch was canceled (etcdserver: no leader)\nError: watch is canceled by the server\n";

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected abstract Backend backend();

  @Test
  void a_member_that_loses_its_leader_ends_require_leader_watches() {
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    Member survivor = cluster.member(2);
    long r = cluster.grpc(survivor).range(RangeRequest.newBuilder()
        .setKey(WatchStreamClient.bytes("/none")).build()).getHeader().getRevision();
    try (EtcdctlWatch live = EtcdctlWatch.start(survivor.clientEndpoint(), "--rev=" + (r + 1), "/k")) {
      cluster.grpc(survivor).put("/k", "v");
      live.awaitStdout("PUT\n/k\nv\n", WAIT);
      cluster.stop(cluster.member(0));
      cluster.stop(cluster.member(1));
      assertThat(live.awaitExit(WAIT)).as(live.describe()).isEqualTo(5);
      assertThat(live.stdout()).isEqualTo("PUT\n/k\nv\n");
      assertThat(live.stderr()).isEqualTo(NO_LEADER);
    }
    try (EtcdctlWatch refused = EtcdctlWatch.start(survivor.clientEndpoint(), "/k")) {
      assertThat(refused.awaitExit(WAIT)).as(refused.describe()).isEqualTo(5);
      assertThat(refused.stdout()).isEmpty();
      assertThat(refused.stderr()).isEqualTo(NO_LEADER);
    }
  }
}
