package io.strata.e2e.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.Metrics;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import io.strata.e2e.harness.StrataProcessCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rolling upgrade 1.0 -> 1.2 of a 3-member cluster, one member at a time: the cluster version
 * (and every member's storage version) rises only once every member runs the new version, and
 * afterwards a member of a lower version cannot start on the cluster's data.
 */
@Tag("strata")
class StrataRollingUpgradeTest {
  private static final Duration WAIT = Duration.ofSeconds(40);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void the_cluster_version_rises_only_when_every_member_runs_the_new_version() throws Exception {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers().withExtraFlags("--emulate-version", "1.0"));
    awaitClusterVersion(cluster, "1.0.0");
    assertThat(cluster.etcdctl().run("put", "up/k", "v").stdout()).isEqualTo("OK\n");

    for (int i = 0; i < 2; i++) {
      ProcessMember member = (ProcessMember) cluster.member(i);
      cluster.stop(member);
      member.emulateVersion("1.2");
      cluster.start(member);
      assertThat(cluster.grpc(member).status().getVersion()).isEqualTo("1.2.0");
      for (Member m : cluster.members()) {
        assertThat(versionJson(m)).as("%s with %d of 3 members upgraded", m.name(), i + 1)
            .contains("\"etcdcluster\":\"1.0.0\"").contains("\"storage\":\"1.0.0\"");
      }
    }
    ProcessMember last = (ProcessMember) cluster.member(2);
    cluster.stop(last);
    last.emulateVersion("1.2");
    cluster.start(last);
    awaitClusterVersion(cluster, "1.2.0");
    for (Member m : cluster.members()) {
      assertThat(cluster.grpc(m).status().getStorageVersion()).as(m.name()).isEqualTo("1.2.0");
    }
    assertThat(cluster.etcdctl().run("get", "up/k").stdout()).isEqualTo("up/k\nv\n");

    cluster.stop(last);
    Process older = new ProcessBuilder(StrataProcessCluster.strataCommand(
        "--name", last.name(), "--data-dir", last.dataDir().toString(), "--emulate-version", "1.1",
        "--listen-client-urls", last.clientUrl(), "--listen-peer-urls", last.peerUrl(),
        "--listen-metrics-urls", last.metricsUrl(), "--initial-cluster", last.name() + "=" + last.peerUrl()))
        .redirectErrorStream(true).start();
    assertThat(older.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(older.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(older.exitValue()).as(output).isEqualTo(3);
    assertThat(output).contains("storage version 1.2, newer than this member's version 1.1");
    cluster.start(last);
  }

  private static void awaitClusterVersion(Cluster cluster, String version) {
    for (Member m : cluster.members()) {
      cluster.waitFor(m.name() + " to report cluster version " + version, WAIT,
          () -> versionJson(m).contains("\"etcdcluster\":\"" + version + "\"") ? true : null);
    }
  }

  private static String versionJson(Member member) {
    return Metrics.get(member.metricsUrl() + "/version");
  }
}
