package io.strata.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Etcdctl.Result;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcdctl's member, endpoint, alarm, defrag, snapshot and move-leader commands against a
 * 3-member cluster; written once and run on etcd 3.4 (which proves the expectations) and on Strata.
 * Each test starts its own cluster, since they change membership or fill the quota.
 */
public abstract class ClusterMaintenanceScenarios {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final Pattern MEMBER_ADDED = Pattern.compile("Member +([0-9a-f]+) added to cluster +([0-9a-f]+)");

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected abstract Backend backend();

  @Test
  void a_fourth_member_joins_catches_up_and_is_removed_again() {
    ProcessCluster cluster = (ProcessCluster) clusters.start(backend(), ClusterSpec.threeMembers());
    Etcdctl m1 = cluster.etcdctl(cluster.member(0));
    for (int i = 0; i < 20; i++) {
      assertThat(m1.run("put", "join/k" + i, "v" + i).stdout()).isEqualTo("OK\n");
    }
    List<? extends Member> founders = cluster.members();
    ProcessMember joining = cluster.newJoiningMember(founders);

    Result added = memberChange(cluster, m1, "add", joining.name(), "--peer-urls=" + joining.peerUrl());
    assertThat(added.succeeded()).as(added.describe()).isTrue();
    Matcher ids = MEMBER_ADDED.matcher(added.stdout());
    assertThat(ids.find()).as(added.stdout()).isTrue();
    String newId = ids.group(1);
    assertThat(added.stdout()).contains("ETCD_NAME=\"" + joining.name() + "\"")
        .contains("ETCD_INITIAL_ADVERTISE_PEER_URLS=\"" + joining.peerUrl() + "\"")
        .contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"")
        .contains(joining.name() + "=" + joining.peerUrl());
    assertThat(m1.run("member", "list").stdout()).contains(newId + ", unstarted, , " + joining.peerUrl() + ", , false");

    cluster.start(joining);
    Etcdctl m4 = cluster.etcdctl(joining);
    cluster.waitFor("the new member to list itself as started", WAIT, () ->
        m1.run("member", "list").stdout().contains(newId + ", started, " + joining.name() + ", "
            + joining.peerUrl() + ", " + joining.clientUrl() + ", false") ? true : null);
    cluster.waitFor("the new member to hold every key", WAIT, () ->
        m4.run("get", "join/k19", "--consistency=s").stdout().equals("join/k19\nv19\n") ? true : null);
    assertThat(m4.run("put", "join/from-new", "x").stdout()).isEqualTo("OK\n");
    assertThat(m1.run("get", "join/from-new").stdout()).isEqualTo("join/from-new\nx\n");
    assertThat(m1.run("member", "list").stdout().lines()).hasSize(4);

    Result removed = memberChange(cluster, m1, "remove", newId);
    assertThat(removed.stdout()).matches("Member +" + newId + " removed from cluster +[0-9a-f]+\\n");
    assertThat(m1.run("member", "list").stdout().lines()).hasSize(3).noneMatch(l -> l.startsWith(newId));
    cluster.waitFor("the removed member to stop by itself", WAIT, () -> joining.isRunning() ? null : true);
    cluster.forget(joining);
    assertThat(m1.run("put", "join/after", "y").stdout()).isEqualTo("OK\n");
  }

  @Test
  void removing_an_unknown_member_fails_and_a_bad_peer_url_is_refused() {
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    Etcdctl m1 = cluster.etcdctl(cluster.member(0));
    Result unknown = memberChange(cluster, m1, "remove", "1234");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.error()).hasValue("etcdserver: member not found");
    Result taken = memberChange(cluster, m1, "add", "dup", "--peer-urls=" + cluster.member(1).peerUrl());
    assertThat(taken.error()).hasValue("etcdserver: Peer URLs already exists");
  }

  @Test
  void endpoint_hashkv_agrees_across_members_and_maintenance_commands_answer() {
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    Etcdctl all = cluster.etcdctl();
    for (int i = 0; i < 30; i++) {
      all.run("put", "hash/k" + (i % 7), "v" + i);
    }
    all.run("del", "hash/k3");
    String compacted = Long.toString(cluster.grpc(cluster.member(0)).status().getHeader().getRevision());
    all.run("compaction", compacted);
    // etcd refuses to hash at the compact revision itself.
    assertThat(all.run("endpoint", "hashkv", "--rev=" + compacted).error())
        .hasValue("etcdserver: mvcc: required revision has been compacted");
    all.run("put", "hash/after", "x");
    String rev = Long.toString(Long.parseLong(compacted) + 1);
    List<String> hashes = cluster.waitFor("every member to apply up to revision " + rev, WAIT, () -> {
      Result hashkv = all.run("endpoint", "hashkv", "--rev=" + rev);
      List<String> lines = hashkv.stdout().lines().toList();
      long distinct = lines.stream().map(l -> l.substring(l.indexOf(", ") + 2)).distinct().count();
      if (lines.size() == 3 && distinct == 1) {
        return lines;
      }
      throw new AssertionError("hashes not equal yet: " + hashkv.describe());
    });
    assertThat(hashes).allMatch(l -> l.matches("127\\.0\\.0\\.1:\\d+, \\d+"));

    assertThat(all.run("alarm", "list").stdout()).isEmpty();
    Result defrag = cluster.etcdctl(cluster.member(1)).run("defrag");
    assertThat(defrag.stdout()).isEqualTo("Finished defragmenting etcd member[" + cluster.member(1).clientEndpoint() + "]\n");
    Result health = all.run("endpoint", "health");
    assertThat(health.succeeded()).as(health.describe()).isTrue();
    assertThat(health.stderr().lines().filter(l -> l.contains("is healthy"))).hasSize(3);
  }

  @Test
  void move_leader_hands_leadership_to_the_named_member() {
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    Member leader = cluster.awaitLeader(WAIT);
    Member target = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    String targetId = Long.toHexString(cluster.grpc(target).status().getHeader().getMemberId());
    String leaderId = Long.toHexString(cluster.grpc(leader).status().getHeader().getMemberId());
    Result moved = cluster.etcdctl(leader).run("move-leader", targetId);
    assertThat(moved.stdout()).isEqualTo("Leadership transferred from " + leaderId + " to " + targetId + "\n");
    assertThat(cluster.awaitLeader(WAIT)).isSameAs(target);
    // etcdctl itself refuses when the endpoint it was given is not the leader.
    Result fromFollower = cluster.etcdctl(leader).run("move-leader", leaderId);
    assertThat(fromFollower.exitCode()).isEqualTo(128);
    assertThat(fromFollower.error()).hasValue("no leader endpoint given at [" + leader.clientEndpoint() + "]");
  }

  @Test
  void exceeding_the_backend_quota_raises_nospace_until_space_is_freed_and_the_alarm_disarmed() {
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers()
        .withExtraFlags("--quota-backend-bytes", Long.toString(QUOTA_BYTES)));
    Etcdctl m1 = cluster.etcdctl(cluster.member(0));
    char[] filler = new char[64 * 1024];
    Arrays.fill(filler, 'x');
    String value = new String(filler);
    Result refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      Result put = m1.run("put", "quota/k" + (i % 10), value);
      if (!put.succeeded()) {
        refused = put;
      }
    }
    assertThat(refused).as("a put is refused once the quota is exceeded").isNotNull();
    assertThat(refused.error()).hasValue("etcdserver: mvcc: database space exceeded");
    assertThat(m1.run("alarm", "list").stdout()).matches("(memberID:\\d+ alarm:NOSPACE \\n)+");
    Result stillRefused = cluster.etcdctl(cluster.member(2)).run("put", "quota/small", "1");
    assertThat(stillRefused.error()).hasValue("etcdserver: mvcc: database space exceeded");

    assertThat(m1.run("del", "quota/", "--prefix").succeeded()).isTrue();
    String rev = Long.toString(cluster.grpc(cluster.member(0)).status().getHeader().getRevision());
    assertThat(m1.run("compaction", "--physical", rev).succeeded()).isTrue();
    for (Member m : cluster.members()) {
      assertThat(cluster.etcdctl(m).run("defrag").succeeded()).isTrue();
    }
    Result disarmed = m1.run("alarm", "disarm");
    assertThat(disarmed.stdout()).contains("alarm:NOSPACE");
    assertThat(m1.run("alarm", "list").stdout()).isEmpty();
    assertThat(m1.run("put", "quota/small", "1").stdout()).isEqualTo("OK\n");
  }

  /**
   * Runs {@code etcdctl member ...}, retrying while etcd answers "unhealthy cluster" (etcd refuses
   * membership changes until every member has been connected for a few seconds).
   */
  private static Result memberChange(Cluster cluster, Etcdctl etcdctl, String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "member";
    System.arraycopy(args, 1 - 1, command, 1, args.length);
    return cluster.waitFor("a membership change the cluster accepts for consideration", WAIT, () -> {
      Result result = etcdctl.run(command);
      return result.error().filter("etcdserver: unhealthy cluster"::equals).isPresent() ? null : result;
    });
  }

  /** Small enough to fill quickly; etcd 3.4 accepts any positive quota. */
  static final long QUOTA_BYTES = 2L * 1024 * 1024;
}
