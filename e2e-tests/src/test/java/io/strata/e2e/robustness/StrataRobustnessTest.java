package io.strata.e2e.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Convergence;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.NetworkFaults;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.robustness.checker.History;
import io.strata.robustness.checker.HistoryChecker;
import io.strata.robustness.checker.HistoryCodec;
import io.strata.robustness.checker.Operation;
import io.strata.robustness.traffic.HistoryRecorder;
import io.strata.robustness.traffic.KvTraffic;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The robustness scenarios ({@link Scenario#ALL}) on 3-member Strata clusters of real processes:
 * random traffic of 4 clients (KV, leases, compaction, reads at past revisions) and 2 watchers, one
 * fault in the middle, healing, then the checks of shared/RELIABILITY.md:
 *
 * <ul>
 *   <li>the history is linearizable and the watch streams keep etcd's guarantees
 *       ({@link HistoryChecker}: OK; UNKNOWN fails), and every watcher caught up at the end;
 *   <li>every member reaches the same revision with the same KV hash after healing;
 *   <li>liveness: while a majority is connected (from the fault's start, or from its healing when
 *       the fault takes the majority down), the longest time without a successful operation stays
 *       under {@link #LIVENESS_BOUND};
 *   <li>validity gates: an empty store at the start, a minimum load before the fault and overall,
 *       a write after healing. A run below them is invalid, which fails it too.
 * </ul>
 *
 * <p>{@code -Drobustness.scenarios=ci|all|name,...} chooses the scenarios (surefire's robustness
 * execution sets "ci"); {@code -Drobustness.seed=N} replays a seed. Each scenario prints one line
 * starting with {@code [robustness]} and holding "verdict". A failed run keeps the cluster directory
 * (member logs, data dirs) with {@code history.jsonl}, which {@code check-history} re-checks.
 *
 * <p>Runs in a private network namespace (surefire's {@code <jvm>} is scripts/netns/bin/java) so the
 * partition scenarios may add iptables rules.
 */
@Tag("robustness")
class StrataRobustnessTest {

  /** The traffic's cap; every scenario stops it earlier, a few seconds after healing. */
  static final Duration TRAFFIC_CAP = Duration.ofMinutes(3);
  static final Duration BEFORE_FAULT = Duration.ofSeconds(5);
  static final Duration AFTER_HEALING = Duration.ofSeconds(4);
  /** 5 election timeouts, plus a client's request timeout and reconnect on 2 busy cores. */
  static final Duration LIVENESS_BOUND = Duration.ofSeconds(15);
  /** Validity gates: below these the run is invalid, not passed. */
  static final int MIN_OPS_BEFORE_FAULT = 100;
  static final int MIN_SUCCEEDED = 500;

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  static Stream<Scenario> scenarios() {
    return Scenario.select(System.getProperty("robustness.scenarios", "ci")).stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void history_stays_linearizable_through(Scenario scenario) throws Exception {
    long seed = Long.getLong("robustness.seed", System.nanoTime());
    String tag = "[robustness] " + scenario.name();
    System.err.println(tag + ": seed " + seed);
    Fault fault = scenario.fault().get();
    ClusterSpec spec = ClusterSpec.threeMembers().withEnvironment(scenario.environment());
    if (fault.needsNetwork()) {
      spec = spec.withNetworkFaults();
    }
    if (fault.needsPeerProxies()) {
      spec = spec.withPeerProxies();
    }
    ProcessCluster cluster = (ProcessCluster) clusters.start(Backend.STRATA, spec);
    long initialRevision = CheckedTraffic.emptyStoreRevision(cluster);

    // The traffic's own channels: the harness replaces its channel to a member it restarts.
    List<EtcdGrpc> connections = cluster.members().stream()
        .map(m -> EtcdGrpc.connect(m.clientEndpoint())).toList();
    try (NetworkFaults network = fault.needsNetwork() ? new NetworkFaults(cluster) : null) {
      Fault.Target target = new Fault.Target(cluster, network);
      HistoryRecorder recorder = new HistoryRecorder();
      KvTraffic traffic = new KvTraffic(KvTraffic.Config.of(seed).withClients(4)
          .withDuration(TRAFFIC_CAP),
          connections.stream().map(c -> (Channel) c.channel()).toList(), recorder);
      CompletableFuture<KvTraffic.Result> run = CompletableFuture.supplyAsync(() -> {
        try {
          return traffic.run(initialRevision);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      });

      String injected;
      long faultStart;
      long healed;
      KvTraffic.Result result;
      try {
        awaitTraffic(cluster, run, BEFORE_FAULT);
        int beforeFault = traffic.recorded();
        assertThat(beforeFault).as("invalid run: operations in the %d s before the fault",
            BEFORE_FAULT.toSeconds()).isGreaterThanOrEqualTo(MIN_OPS_BEFORE_FAULT);
        faultStart = recorder.now();
        injected = fault.inject(target);
        System.err.printf("%s: injected: %s (after %d ops)%n", tag, injected, beforeFault);
        fault.heal(target);
        healed = recorder.now();
        System.err.printf("%s: healed after %d ms%n", tag,
            TimeUnit.NANOSECONDS.toMillis(healed - faultStart));
        awaitTraffic(cluster, run, AFTER_HEALING);
        // On a slow machine or after a long fault the load may still be short of the gate: give
        // the traffic a bounded while longer rather than call the run invalid at once.
        cluster.waitFor("enough operations for a valid run", Duration.ofSeconds(30),
            () -> traffic.recorded() >= MIN_SUCCEEDED * 6 / 5 || run.isDone() ? true : null);
        traffic.stop();
        result = run.get(60, TimeUnit.SECONDS);
      } finally {
        traffic.abort(); // no effect once the run has ended
      }

      // Validity: a write after healing succeeds (outside the traffic's keys, after its history).
      cluster.waitFor("a write after healing", Duration.ofSeconds(30), () ->
          cluster.grpc(cluster.awaitLeader(Duration.ofSeconds(10)))
              .put("/robustness/final", "ok", Duration.ofSeconds(2)));
      long revision = Convergence.awaitSameRevisionAndHash(cluster, Duration.ofSeconds(30));

      History history = result.history();
      Path historyFile = cluster.directory().resolve("history.jsonl");
      try (Writer out = Files.newBufferedWriter(historyFile)) {
        HistoryCodec.write(history, out);
      }
      HistoryChecker.Verdict verdict =
          new HistoryChecker(Duration.ofSeconds(60), Clock.systemUTC(), false).check(history);
      Duration longestStall = longestStall(history, fault.keepsMajority() ? faultStart : healed);
      System.err.printf("%s: seed %d, %s; fault: %s; converged at revision %d; longest stall "
              + "%d ms; verdict %s %s%n", tag, seed, result, injected, revision,
          longestStall.toMillis(), verdict.outcome(), verdict.notes());

      int events = history.watches().stream().flatMap(w -> w.responses().stream())
          .mapToInt(r -> r.events().size()).sum();
      // One row of the results table scripts/robustness.sh prints (README, "Robustness").
      System.err.printf("[robustness-row] | %s | %d | %,d | %,d | %d | %,d | %s | %.1f s | %s |%n",
          scenario.name(), seed, result.operations(), result.succeeded(), result.unknown(), events,
          injected, longestStall.toMillis() / 1000.0,
          verdict.outcome() + (scenario.expectViolation() ? " (expected)" : ""));

      String where = "history kept in " + historyFile + " (seed " + seed + ")";
      if (scenario.expectViolation()) {
        assertThat(verdict.outcome())
            .as("the checker must catch the deliberately broken server (%s); %s",
                scenario.failpoints(), where)
            .isEqualTo(HistoryChecker.Outcome.VIOLATION);
        System.err.printf("%s: caught as expected: %s%n", tag, verdict.violations().get(0));
      } else {
        assertThat(verdict.outcome())
            .as("checker verdict; violations %s; %s", verdict.violations(), where)
            .isEqualTo(HistoryChecker.Outcome.OK);
      }
      assertThat(result.allWatchersCaughtUp())
          .as("watch reliability: every watcher received every event up to the last write "
              + "revision (%s); %s", result, where).isTrue();
      assertThat(result.succeeded())
          .as("invalid run: successful operations (%s); %s", result, where)
          .isGreaterThanOrEqualTo(MIN_SUCCEEDED);
      assertThat(longestStall).as("liveness: longest time without a successful operation "
          + "while a majority was up; %s", where).isLessThanOrEqualTo(LIVENESS_BOUND);
    } finally {
      connections.forEach(EtcdGrpc::close);
    }
  }

  /** Lets the traffic run for {@code d}; fails if it ended by itself (it is capped far later). */
  private static void awaitTraffic(ProcessCluster cluster, CompletableFuture<?> run, Duration d) {
    long until = System.nanoTime() + d.toNanos();
    cluster.waitFor(d.toSeconds() + " s of traffic", d.plusSeconds(10),
        () -> System.nanoTime() - until >= 0 || run.isDone() ? true : null);
    assertThat(run).as("traffic still running").isNotDone();
  }

  /**
   * The longest time from {@code from} to the end of the history without any operation returning
   * successfully: how long the cluster stopped serving.
   */
  static Duration longestStall(History history, long from) {
    List<Long> returns = history.operations().stream()
        .filter(op -> !op.unknown() && !op.failed() && op.ret() >= from)
        .map(Operation::ret).sorted(Comparator.naturalOrder()).toList();
    long end = history.operations().stream().filter(op -> !op.unknown())
        .mapToLong(Operation::ret).max().orElse(from);
    long previous = from;
    long longest = 0;
    for (long r : returns) {
      longest = Math.max(longest, r - previous);
      previous = r;
    }
    longest = Math.max(longest, end - previous);
    return Duration.ofNanos(longest);
  }
}
