package io.strata.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Etcdctl.Result;
import io.strata.e2e.harness.FreePorts;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Learner members through etcdctl ({@code member add --learner}, {@code member promote}) on a
 * 3-member cluster; written once and run on etcd 3.4 (which proves the expectations) and on Strata.
 */
public abstract class LearnerScenarios {
  private static final Duration WAIT = Duration.ofSeconds(40);
  /** etcdctl 3.4 prints the same line for a learner as for a voter. */
  private static final Pattern LEARNER_ADDED = Pattern.compile("Member +([0-9a-f]+) added to cluster +([0-9a-f]+)");
  static final String NOT_IN_SYNC = "etcdserver: can only promote a learner member which is in sync with leader";

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected abstract Backend backend();

  @Test
  void a_learner_joins_serves_serializable_reads_and_is_promoted_once_it_has_caught_up() {
    ProcessCluster cluster = (ProcessCluster) clusters.start(backend(), ClusterSpec.threeMembers());
    Etcdctl m1 = cluster.etcdctl(cluster.member(0));
    for (int i = 0; i < 20; i++) {
      assertThat(m1.run("put", "learner/k" + i, "v" + i).stdout()).isEqualTo("OK\n");
    }
    ProcessMember joining = cluster.newJoiningMember(cluster.members());

    Result added = memberChange(cluster, m1, "add", joining.name(), "--peer-urls=" + joining.peerUrl(), "--learner");
    assertThat(added.succeeded()).as(added.describe()).isTrue();
    Matcher ids = LEARNER_ADDED.matcher(added.stdout());
    assertThat(ids.find()).as(added.stdout()).isTrue();
    String id = ids.group(1);
    assertThat(added.stdout()).contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"")
        .contains(joining.name() + "=" + joining.peerUrl());
    assertThat(m1.run("member", "list").stdout()).contains(id + ", unstarted, , " + joining.peerUrl() + ", , true");

    // etcd allows one learner at a time (--max-learners defaults to 1).
    Result second = memberChange(cluster, m1, "add", "extra", "--peer-urls=http://127.0.0.1:" + FreePorts.next(),
        "--learner");
    assertThat(second.error()).as(second.describe()).hasValue("etcdserver: too many learner members in cluster");
    // A learner that has not started holds none of the log.
    Result early = memberChange(cluster, m1, "promote", id);
    assertThat(early.error()).as(early.describe()).hasValue(NOT_IN_SYNC);
    Result voter = memberChange(cluster, m1, "promote", memberId(cluster, cluster.member(1)));
    assertThat(voter.error()).as(voter.describe()).hasValue("etcdserver: can only promote a learner member");
    Result unknown = memberChange(cluster, m1, "promote", "1234");
    assertThat(unknown.error()).as(unknown.describe()).hasValue("etcdserver: member not found");

    assertThat(m1.run("put", "learner/after-add", "a").stdout()).isEqualTo("OK\n");
    cluster.start(joining);
    Etcdctl learner = cluster.etcdctl(joining);
    cluster.waitFor("the learner to list itself as started", WAIT, () ->
        m1.run("member", "list").stdout().contains(id + ", started, " + joining.name() + ", "
            + joining.peerUrl() + ", " + joining.clientUrl() + ", true") ? true : null);
    cluster.waitFor("the learner to serve what was written after it was added", WAIT, () ->
        learner.run("get", "learner/after-add", "--consistency=s").stdout().equals("learner/after-add\na\n") ? true : null);
    assertThat(learner.run("get", "learner/k19", "--consistency=s").stdout()).isEqualTo("learner/k19\nv19\n");
    assertThat(cluster.grpc(joining).status().getIsLearner()).isTrue();
    assertThat(cluster.grpc(cluster.member(0)).status().getIsLearner()).isFalse();
    Result write = learner.run("put", "learner/on-learner", "x");
    assertThat(write.error()).as(write.describe()).hasValue("etcdserver: rpc not supported for learner");

    Result promoted = cluster.waitFor("the caught-up learner to be promoted", WAIT, () -> {
      Result r = memberChange(cluster, m1, "promote", id);
      if (r.error().filter(NOT_IN_SYNC::equals).isPresent()) {
        return null;
      }
      return r;
    });
    assertThat(promoted.stdout()).as(promoted.describe()).matches("Member +" + id + " promoted in cluster +[0-9a-f]+\\n");
    assertThat(m1.run("member", "list").stdout()).contains(id + ", started, " + joining.name() + ", "
        + joining.peerUrl() + ", " + joining.clientUrl() + ", false");
    assertThat(m1.run("member", "list").stdout().lines()).hasSize(4).allMatch(l -> l.endsWith(", false"));
    Result again = memberChange(cluster, m1, "promote", id);
    assertThat(again.error()).as(again.describe()).hasValue("etcdserver: can only promote a learner member");

    cluster.waitFor("the promoted member to accept a write", WAIT, () ->
        learner.run("put", "learner/from-promoted", "z").stdout().equals("OK\n") ? true : null);
    assertThat(cluster.grpc(joining).status().getIsLearner()).isFalse();
    assertThat(m1.run("get", "learner/from-promoted").stdout()).isEqualTo("learner/from-promoted\nz\n");
    assertThat(learner.run("get", "learner/k7").stdout()).isEqualTo("learner/k7\nv7\n");
  }

  private static String memberId(Cluster cluster, Member member) {
    return Long.toHexString(cluster.grpc(member).status().getHeader().getMemberId());
  }

  /**
   * Runs {@code etcdctl member ...}, retrying while etcd answers "unhealthy cluster" (etcd refuses
   * membership changes until every member has been connected for a few seconds).
   */
  static Result memberChange(Cluster cluster, Etcdctl etcdctl, String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "member";
    System.arraycopy(args, 0, command, 1, args.length);
    return cluster.waitFor("a membership change the cluster accepts for consideration", WAIT, () -> {
      Result result = etcdctl.run(command);
      return result.error().filter("etcdserver: unhealthy cluster"::equals).isPresent() ? null : result;
    });
  }
}
