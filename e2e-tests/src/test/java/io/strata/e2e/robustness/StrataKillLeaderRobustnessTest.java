package io.strata.e2e.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Member;
import io.strata.robustness.checker.HistoryChecker;
import io.strata.robustness.checker.HistoryCodec;
import io.strata.robustness.traffic.KvTraffic;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Robustness scenario: 4 clients of random KV traffic for ~15 s on a 3-member Strata cluster;
 * the leader is killed (SIGKILL) in the middle and restarted. The recorded history must be
 * linearizable ({@link HistoryChecker} answers OK; UNKNOWN fails) and the run must be valid (empty
 * store at the start, a minimum load before the fault and overall, a write after healing).
 *
 * <p>{@code -Drobustness.seed=N} replays a seed; the seed is printed. A failed run keeps the
 * cluster directory with {@code history.jsonl} in it ({@code check-history} reads it).
 */
@Tag("robustness")
class StrataKillLeaderRobustnessTest {

  static final Duration TRAFFIC = Duration.ofSeconds(15);
  static final Duration FAULT_AT = Duration.ofSeconds(6);
  /** Validity gates: below these the run is invalid, not passed. */
  static final int MIN_OPS_BEFORE_FAULT = 100;
  static final int MIN_SUCCEEDED = 500;

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void history_under_kill_of_the_leader_is_linearizable() throws Exception {
    long seed = Long.getLong("robustness.seed", System.nanoTime());
    System.err.println("[robustness] kill-leader: seed " + seed);
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    Member leader = cluster.awaitLeader(Duration.ofSeconds(30));

    // Validity: the store is empty; the history starts at its revision.
    RangeResponse all = KVGrpc.newBlockingStub(cluster.grpc(leader).channel())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFrom(new byte[1]))
            .setRangeEnd(com.google.protobuf.ByteString.copyFrom(new byte[1]))
            .setCountOnly(true).build());
    assertThat(all.getCount()).as("invalid run: the store is not empty at the start").isZero();
    long initialRevision = all.getHeader().getRevision();

    List<Channel> channels = cluster.members().stream()
        .map(m -> (Channel) cluster.grpc(m).channel()).toList();
    KvTraffic traffic = new KvTraffic(
        KvTraffic.Config.of(seed).withClients(4).withDuration(TRAFFIC), channels);
    long started = System.nanoTime();
    CompletableFuture<KvTraffic.Result> run = CompletableFuture.supplyAsync(() -> {
      try {
        return traffic.run(initialRevision);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    });

    KvTraffic.Result result;
    try {
      cluster.waitFor(FAULT_AT.toSeconds() + " s of traffic before the fault",
          FAULT_AT.plusSeconds(10),
          () -> System.nanoTime() - started >= FAULT_AT.toNanos() || run.isDone() ? true : null);
      assertThat(run).as("traffic still running at the fault").isNotDone();
      int beforeFault = traffic.recorded();
      assertThat(beforeFault).as("invalid run: operations in the %d s before the fault",
          FAULT_AT.toSeconds()).isGreaterThanOrEqualTo(MIN_OPS_BEFORE_FAULT);

      Member killed = cluster.awaitLeader(Duration.ofSeconds(10));
      cluster.kill(killed);
      System.err.printf("[robustness] kill-leader: killed %s (leader) after %d ops%n",
          killed.name(), beforeFault);
      Member newLeader = cluster.awaitLeader(Duration.ofSeconds(10));
      assertThat(newLeader).isNotEqualTo(killed);
      cluster.start(killed);
      System.err.printf("[robustness] kill-leader: restarted %s; new leader %s%n",
          killed.name(), newLeader.name());

      result = run.get(TRAFFIC.plusSeconds(60).toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | AssertionError e) {
      traffic.stop();
      throw e;
    }

    // Validity: a write after healing succeeds (outside the traffic's keys, after its history).
    cluster.awaitLeader(Duration.ofSeconds(30));
    cluster.waitFor("a write after healing", Duration.ofSeconds(20), () ->
        cluster.grpc(cluster.leader()).put("/robustness/final", "ok", Duration.ofSeconds(2)));

    Path historyFile = cluster.directory().resolve("history.jsonl");
    try (Writer out = Files.newBufferedWriter(historyFile)) {
      HistoryCodec.write(result.history(), out);
    }
    HistoryChecker.Verdict verdict =
        new HistoryChecker(Duration.ofSeconds(60), Clock.systemUTC(), false)
            .check(result.history());
    System.err.printf("[robustness] kill-leader: seed %d, %s; verdict %s %s%n", seed, result,
        verdict.outcome(), verdict.notes());
    String where = "history kept in " + historyFile + " (seed " + seed + ")";
    assertThat(verdict.outcome())
        .as("checker verdict; violations %s; %s", verdict.violations(), where)
        .isEqualTo(HistoryChecker.Outcome.OK);
    assertThat(result.succeeded())
        .as("invalid run: successful operations (%s); %s", result, where)
        .isGreaterThanOrEqualTo(MIN_SUCCEEDED);
  }
}
