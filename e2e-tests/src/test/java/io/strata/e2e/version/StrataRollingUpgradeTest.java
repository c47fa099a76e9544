package io.strata.e2e.version;

import static io.strata.e2e.harness.VersionWaits.awaitVersions;
import static io.strata.e2e.harness.VersionWaits.clusterVersion;
import static io.strata.e2e.version.DowngradeSupport.putWithRequestId;
import static io.strata.e2e.harness.VersionWaits.storageVersion;
import static io.strata.e2e.harness.VersionWaits.versionJson;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import io.strata.e2e.harness.StrataProcessCluster;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rolling upgrade 1.0 -> 1.1 -> 1.2 of a 3-member cluster, one member at a time: the cluster
 * version (and every member's storage version) rises only once every member runs the new version,
 * and the new version's features are refused (learners) or not in effect (idempotent writes)
 * until then, even through members that already run it. Afterwards a member of a lower version
 * cannot start on the cluster's data.
 */
@Tag("strata")
class StrataRollingUpgradeTest {
  private static final Pattern ADDED = Pattern.compile("Member +([0-9a-f]+) added");

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void the_cluster_version_rises_only_when_every_member_runs_the_new_version() throws Exception {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers().withExtraFlags("--emulate-version", "1.0"));
    awaitVersions(cluster, "cluster version 1.0", clusterVersion("1.0"), storageVersion("1.0"));
    assertThat(cluster.etcdctl().run("put", "up/k", "v").stdout()).isEqualTo("OK\n");

    // 1.0 -> 1.1: learners only once the last member runs 1.1.
    upgradeAllButOne(cluster, "1.1", "1.0");
    Etcdctl.Result early = cluster.etcdctl(cluster.member(0)).run("member", "add", "l1", "--learner",
        "--peer-urls=http://127.0.0.1:1");
    assertThat(early.error()).as(early.describe()).hasValue("etcdserver: not capable");
    upgradeLast(cluster, "1.1");
    Etcdctl.Result added = cluster.etcdctl(cluster.member(0)).run("member", "add", "l1", "--learner",
        "--peer-urls=http://127.0.0.1:1");
    Matcher id = ADDED.matcher(added.stdout());
    assertThat(id.find()).as(added.describe()).isTrue();
    assertThat(cluster.etcdctl().run("member", "remove", id.group(1)).succeeded()).isTrue();

    // 1.1 -> 1.2: idempotent writes only once the last member runs 1.2.
    upgradeAllButOne(cluster, "1.2", "1.1");
    long first = putWithRequestId(cluster, cluster.member(0), "up/idempotent", "777");
    assertThat(putWithRequestId(cluster, cluster.member(1), "up/idempotent", "777"))
        .as("a request id has no effect below cluster version 1.2").isGreaterThan(first);
    upgradeLast(cluster, "1.2");
    long applied = putWithRequestId(cluster, cluster.member(0), "up/idempotent", "778");
    assertThat(putWithRequestId(cluster, cluster.member(1), "up/idempotent", "778")).isEqualTo(applied);
    assertThat(cluster.etcdctl().run("get", "up/k").stdout()).isEqualTo("up/k\nv\n");

    ProcessMember last = (ProcessMember) cluster.member(2);
    cluster.stop(last);
    assertThat(DowngradeSupport.refusedStart(last, "1.1")).contains("storage version 1.2, newer than this member's version 1.1");
    cluster.start(last);
  }

  @Test
  void a_new_1_0_member_cannot_join_a_1_2_cluster() throws Exception {
    // Three members: the refused member may have become a voter before it stopped, and the
    // cluster must keep its quorum without it (a one-member cluster would not, in etcd either).
    ProcessCluster cluster = (ProcessCluster) clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    List<ProcessMember> founders = List.copyOf(cluster.members());
    awaitVersions(cluster, "cluster version 1.2", clusterVersion("1.2"), storageVersion("1.2"));
    ProcessMember joining = cluster.newJoiningMember(founders);
    Etcdctl.Result added = cluster.etcdctl().run("member", "add", joining.name(), "--peer-urls=" + joining.peerUrl());
    Matcher id = ADDED.matcher(added.stdout());
    assertThat(id.find()).as(added.describe()).isTrue();

    Files.createDirectories(joining.directory());
    Process older = new ProcessBuilder(StrataProcessCluster.strataCommand("--name", joining.name(),
        "--data-dir", joining.dataDir().toString(), "--emulate-version", "1.0",
        "--listen-client-urls", joining.clientUrl(), "--advertise-client-urls", joining.clientUrl(),
        "--listen-peer-urls", joining.peerUrl(), "--initial-advertise-peer-urls", joining.peerUrl(),
        "--listen-metrics-urls", joining.metricsUrl(), "--initial-cluster-token", cluster.token(),
        "--initial-cluster", founders.stream().map(m -> m.name() + "=" + m.peerUrl()).collect(Collectors.joining(","))
            + "," + joining.name() + "=" + joining.peerUrl(),
        "--initial-cluster-state", "existing"))
        .redirectErrorStream(true).redirectOutput(joining.directory().resolve("refused.log").toFile()).start();
    try {
      assertThat(older.waitFor(90, TimeUnit.SECONDS)).as("the 1.0 member stops by itself").isTrue();
    } finally {
      older.destroyForcibly();
    }
    String log = Files.readString(joining.directory().resolve("refused.log"));
    assertThat(older.exitValue()).as(log).isNotZero();
    assertThat(log).containsAnyOf("server version 1.0 is lower than the cluster version 1.2",
        "storage version 1.2 is newer than this member's version 1.0");

    Etcdctl.Result removed = cluster.etcdctl(founders.get(0)).run("member", "remove", id.group(1));
    assertThat(removed.succeeded()).as(removed.describe()).isTrue();
    cluster.forget(joining);
    assertThat(cluster.etcdctl(founders.get(1)).run("put", "after/join", "v").stdout()).isEqualTo("OK\n");
  }

  /** Members 0 and 1 restart as {@code version}; the cluster and storage versions stay at {@code previous}. */
  private static void upgradeAllButOne(Cluster cluster, String version, String previous) {
    for (int i = 0; i < 2; i++) {
      DowngradeSupport.swap(cluster, cluster.member(i), version);
      for (Member m : cluster.members()) {
        assertThat(versionJson(m)).as("%s with %d of 3 members at %s", m.name(), i + 1, version)
            .contains(clusterVersion(previous)).contains(storageVersion(previous));
      }
    }
  }

  private static void upgradeLast(Cluster cluster, String version) {
    DowngradeSupport.swap(cluster, cluster.member(2), version);
    awaitVersions(cluster, "cluster version " + version, clusterVersion(version), storageVersion(version));
  }
}
