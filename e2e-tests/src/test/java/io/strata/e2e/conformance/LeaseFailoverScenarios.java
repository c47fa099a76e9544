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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A lease kept alive across a kill -9 of the leader. Lease deadlines live only on the leader's
 * monotonic clock; the member that takes over must restart every lease at now + TTL, so a lease
 * kept alive through the surviving members neither expires during the election nor later than
 * its TTL allows once keep-alives stop.
 *
 * <p>Timeline: grant a 10 s lease and attach a key; keep it alive once a second through the two
 * members that will survive, for 12 s; kill -9 the leader; keep going for 15 s; stop.
 * The key must exist at every check until 10 s after the last keep-alive was sent, then disappear;
 * the killed member, restarted, must agree.
 */
public abstract class LeaseFailoverScenarios {
  static final long TTL = 10;

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected abstract Backend backend();

  @Test
  void a_kept_alive_lease_survives_a_kill_9_of_the_leader_and_does_not_expire_before_its_ttl()
      throws Exception {
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    Member leader = cluster.awaitLeader(Duration.ofSeconds(30));
    List<Member> survivors = cluster.members().stream().filter(m -> !m.equals(leader))
        .map(m -> (Member) m).toList();
    Etcdctl viaSurvivors = Etcdctl.forEndpoints(
        survivors.get(0).clientEndpoint() + "," + survivors.get(1).clientEndpoint());
    String key = "/lease-failover/key";
    String id = grant(viaSurvivors, TTL);
    assertOk(viaSurvivors.run("put", "--lease=" + id, key, "v"));

    AtomicBoolean keepGoing = new AtomicBoolean(true);
    AtomicLong lastSentOk = new AtomicLong(System.nanoTime());
    AtomicInteger okAfterKill = new AtomicInteger();
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    ExecutorService keepAlive = Executors.newSingleThreadExecutor();
    Future<?> loop = keepAlive.submit(() -> {
      int turn = 0;
      while (keepGoing.get()) {
        long sent = System.nanoTime();
        // Alternate between the survivors, as a client with both endpoints would fail over.
        Result r = cluster.etcdctl(survivors.get(turn++ % 2)).commandTimeout(Duration.ofSeconds(3))
            .run("lease", "keep-alive", "--once", id);
        if (r.succeeded()) {
          assertThat(r.stdout()).isEqualTo("lease " + id + " keepalived with TTL(" + TTL + ")\n");
          lastSentOk.set(sent);
          if (sent > killedAt.get()) {
            okAfterKill.incrementAndGet();
          }
        }
        LockSupport.parkNanos(Duration.ofMillis(1000).toNanos());
      }
      return null;
    });
    try {
      // Longer than the TTL: the deadline the followers could compute from the grant has passed.
      expectKeyUntil(cluster, survivors, key, System.nanoTime() + Duration.ofSeconds(TTL + 2).toNanos());
      cluster.kill(leader);
      killedAt.set(System.nanoTime());
      System.err.printf("[e2e] %s: killed leader %s while lease %s was kept alive%n",
          cluster.implementation(), leader.name(), id);
      expectKeyUntil(cluster, survivors, key, killedAt.get() + Duration.ofSeconds(TTL + 5).toNanos());
    } finally {
      keepGoing.set(false);
      loop.get(30, TimeUnit.SECONDS);
      keepAlive.shutdownNow();
    }
    assertThat(okAfterKill.get()).as("keep-alives acknowledged after the leader was killed").isGreaterThan(3);

    long lastSent = lastSentOk.get();
    // Present at every check until just before the TTL since the last keep-alive has passed...
    expectKeyUntil(cluster, survivors, key, lastSent + Duration.ofSeconds(TTL).minusMillis(700).toNanos());
    // ...and deleted by the new leader not long after.
    long goneAt = cluster.waitFor("the lease to expire once keep-alives stopped", Duration.ofSeconds(30), () -> {
      Result r = viaSurvivors.run("get", "--consistency=l", key);
      return r.succeeded() && r.stdout().isEmpty() ? System.nanoTime() : null;
    });
    assertThat(Duration.ofNanos(goneAt - lastSent)).isGreaterThanOrEqualTo(Duration.ofSeconds(TTL));
    Result ttl = viaSurvivors.run("lease", "timetolive", id);
    assertOk(ttl);
    assertThat(ttl.stdout()).isEqualTo("lease " + id + " already expired\n");

    cluster.start(leader);
    Etcdctl restarted = cluster.etcdctl(leader);
    cluster.waitFor(leader.name() + " to have applied the expiry after its restart", Duration.ofSeconds(60), () -> {
      Result get = restarted.run("get", "--consistency=s", key);
      Result list = restarted.run("lease", "list");
      return get.succeeded() && get.stdout().isEmpty() && list.succeeded() && !list.stdout().contains(id)
          ? list : null;
    });
  }

  /**
   * Reads the key through the survivors every 300 ms until {@code untilNanos}: a read that
   * succeeds must find it. Reads that fail (during the election) are skipped.
   */
  private static void expectKeyUntil(Cluster cluster, List<Member> survivors, String key, long untilNanos) {
    int turn = 0;
    while (System.nanoTime() < untilNanos) {
      Member m = survivors.get(turn++ % survivors.size());
      Result r = cluster.etcdctl(m).commandTimeout(Duration.ofSeconds(2)).run("get", "--consistency=l", key);
      if (r.succeeded() && System.nanoTime() < untilNanos) {
        assertThat(r.stdout()).as("%s at a check on %s", key, m.name()).isEqualTo(key + "\nv\n");
      }
      LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
    }
  }
}
