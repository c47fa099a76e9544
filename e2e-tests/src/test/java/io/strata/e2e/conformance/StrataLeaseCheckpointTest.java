package io.strata.e2e.conformance;

import static io.strata.e2e.conformance.LeaseConformanceScenarios.assertOk;
import static io.strata.e2e.conformance.LeaseConformanceScenarios.grant;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Etcdctl.Result;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lease checkpoints (Strata 1.1) across a kill -9 of the leader: with a 1 s
 * {@code --lease-checkpoint-interval}, a lease that is not kept alive continues from the remaining
 * TTL the old leader checkpointed, instead of restarting at its full TTL on the new leader. Strata
 * only (etcd 3.4 needs {@code --experimental-enable-lease-checkpoint} for this).
 *
 * <p>Timeline: grant a 30 s lease and attach a key; wait until at most 24 s remain and two more
 * checkpoint intervals have passed; kill -9 the leader; the new leader reports no more than what
 * was left (plus its election extension of 1 s and a second of rounding) and deletes the key about
 * when the lease was due, not 30 s after the kill.
 */
@Tag("strata")
class StrataLeaseCheckpointTest {
  private static final long TTL = 30;
  private static final Duration WAIT = Duration.ofSeconds(40);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void a_lease_continues_from_its_checkpointed_remaining_ttl_after_a_kill_9_of_the_leader() {
    Cluster cluster = clusters.start(Backend.STRATA,
        ClusterSpec.threeMembers().withExtraFlags("--lease-checkpoint-interval", "1s"));
    VersionWaits.awaitVersions(cluster, "cluster version 1.2", VersionWaits.clusterVersion("1.2"));
    Member leader = cluster.awaitLeader(WAIT);
    List<Member> survivors = cluster.members().stream().filter(m -> !m.equals(leader))
        .map(m -> (Member) m).toList();
    Etcdctl viaSurvivors = Etcdctl.forEndpoints(
        survivors.get(0).clientEndpoint() + "," + survivors.get(1).clientEndpoint());
    String key = "/lease-checkpoint/key";
    String id = grant(viaSurvivors, TTL);
    assertOk(viaSurvivors.run("put", "--lease=" + id, key, "v"));

    cluster.waitFor("at most 24 s left on lease " + id, WAIT,
        () -> remaining(viaSurvivors, id) <= 24 ? true : null);
    // Two more checkpoint intervals: the leader has checkpointed what is left by now.
    cluster.waitFor("at most 22 s left on lease " + id, WAIT,
        () -> remaining(viaSurvivors, id) <= 22 ? true : null);
    long leftAtKill = remaining(viaSurvivors, id);
    cluster.kill(leader);
    long killedAt = System.nanoTime();
    System.err.printf("[e2e] strata: killed leader %s with %d s left on lease %s%n", leader.name(), leftAtKill, id);

    long leftOnNewLeader = cluster.waitFor("the new leader to answer for lease " + id, WAIT,
        () -> remaining(viaSurvivors, id));
    assertThat(leftOnNewLeader).as("remaining TTL on the new leader (%d s were left at the kill)", leftAtKill)
        .isLessThanOrEqualTo(leftAtKill + 2)
        .isLessThan(TTL);
    Result get = viaSurvivors.run("get", key);
    assertOk(get);
    assertThat(get.stdout()).isEqualTo(key + "\nv\n");

    long goneAt = cluster.waitFor("the lease to expire", WAIT, () -> {
      Result r = viaSurvivors.run("get", "--consistency=l", key);
      return r.succeeded() && r.stdout().isEmpty() ? System.nanoTime() : null;
    });
    assertThat(Duration.ofNanos(goneAt - killedAt)).as("expiry after the kill")
        .isLessThan(Duration.ofSeconds(leftAtKill + 6));
  }

  /** The remaining TTL the leader reports for lease {@code id}, in seconds. */
  private static long remaining(Etcdctl etcdctl, String id) {
    Result ttl = etcdctl.commandTimeout(Duration.ofSeconds(3)).run("lease", "timetolive", id);
    assertOk(ttl);
    Matcher matcher = Pattern.compile("lease " + id + " granted with TTL\\(" + TTL + "s\\), remaining\\((\\d+)s\\)\n")
        .matcher(ttl.stdout());
    assertThat(matcher.matches()).as("timetolive output %s", ttl.stdout()).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
