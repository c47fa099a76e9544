package io.strata.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Etcdctl.Result;
import io.strata.e2e.harness.VersionWaits;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The learner scenarios on Strata processes (must behave as etcd 3.4 does), plus Strata's gate:
 * learners are a 1.1 feature, refused while the cluster version is older.
 */
@Tag("strata")
class StrataLearnerTest extends LearnerScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }

  @Test
  void learners_are_refused_while_the_cluster_version_is_1_0_even_by_a_newer_member() {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers().withExtraFlags("--emulate-version", "1.0"));
    ProcessMember newer = (ProcessMember) cluster.member(2);
    cluster.stop(newer);
    newer.emulateVersion("1.2");
    cluster.start(newer);
    assertThat(cluster.grpc(newer).status().getVersion()).isEqualTo("1.2.0");
    VersionWaits.awaitVersions(cluster, List.of(newer), "cluster version 1.0 applied", VersionWaits.clusterVersion("1.0"));

    for (int i : new int[] {0, 2}) {
      Etcdctl etcdctl = cluster.etcdctl(cluster.member(i));
      Result learner = etcdctl.run("member", "add", "l1", "--learner", "--peer-urls=http://127.0.0.1:1");
      assertThat(learner.error()).as("member %d: %s", i, learner.describe()).hasValue("etcdserver: not capable");
      Result promote = etcdctl.run("member", "promote", "1234");
      assertThat(promote.error()).as("member %d: %s", i, promote.describe()).hasValue("etcdserver: not capable");
    }
    assertThat(cluster.etcdctl().run("member", "list").stdout().lines()).hasSize(3);
  }
}
