package io.strata.e2e.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.robustness.checker.History;
import io.strata.robustness.checker.HistoryChecker;
import io.strata.robustness.checker.HistoryCodec;
import io.strata.robustness.checker.Operation;
import io.strata.robustness.traffic.HistoryRecorder;
import io.strata.robustness.traffic.KvTraffic;
import io.strata.robustness.traffic.ModelTranslation;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * The random traffic of a fault test ({@link KvTraffic}: 4 clients over every member), recorded
 * and checked: after the fault and the recovery, {@link #readEveryKeyFrom} reads all traffic keys
 * from each member into the same history, and {@link #assertLinearizable} wants the checker's OK.
 * So an acknowledged write that is missing afterwards, a value no write wrote, or a revision that
 * went back fails the test (durability, shared/RELIABILITY.md criteria 1, 2 and 6).
 *
 * <p>Threading: the traffic runs on its own threads; one test thread drives this object.
 */
final class CheckedTraffic implements AutoCloseable {
  /** Validity gate: below this many successful operations the run proves nothing. */
  static final int MIN_SUCCEEDED = 200;
  /**
   * The most a fault test waits for operations to succeed while a majority is up (the robustness
   * scenarios' liveness bound): an election on a busy 2-core machine takes a few seconds.
   */
  static final Duration LIVENESS_BOUND = Duration.ofSeconds(15);
  /** The traffic is stopped long before; this only bounds a run whose test forgot to. */
  private static final Duration CAP = Duration.ofMinutes(4);
  /** Client ids of the final reads, far above the traffic's clients and watchers. */
  private static final int FINAL_READER = 1000;

  private final ProcessCluster cluster;
  private final String tag;
  private final long seed;
  private final long initialRevision;
  private final List<EtcdGrpc> connections;
  private final HistoryRecorder recorder = new HistoryRecorder();
  private final KvTraffic traffic;
  private final CompletableFuture<KvTraffic.Result> run;

  private CheckedTraffic(ProcessCluster cluster, String tag, long seed) {
    this.cluster = cluster;
    this.tag = tag;
    this.seed = seed;
    this.initialRevision = emptyStoreRevision(cluster);
    // Channels of the traffic's own: the harness replaces its channel to a member it restarts.
    this.connections = cluster.members().stream().map(m -> EtcdGrpc.connect(m.clientEndpoint()))
        .toList();
    this.traffic = new KvTraffic(KvTraffic.Config.of(seed).withClients(4).withDuration(CAP),
        connections.stream().map(c -> (Channel) c.channel()).toList(), recorder);
    this.run = CompletableFuture.supplyAsync(() -> {
      try {
        return traffic.run(initialRevision);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    });
  }

  /** Starts the traffic on an empty store; {@code -Drobustness.seed=N} replays a seed. */
  static CheckedTraffic start(ProcessCluster cluster, String tag) {
    long seed = Long.getLong("robustness.seed", System.nanoTime());
    System.err.println(tag + ": seed " + seed);
    return new CheckedTraffic(cluster, tag, seed);
  }

  /** The recording clock, for {@link #succeededBetween}. */
  long now() {
    return recorder.now();
  }

  /** Lets the traffic run for {@code d}; fails if it ended by itself. */
  void runFor(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    cluster.waitFor(d.toMillis() + " ms of traffic", d.plusSeconds(10),
        () -> System.nanoTime() - until >= 0 || run.isDone() ? true : null);
    assertThat(run).as("traffic still running").isNotDone();
  }

  /**
   * Liveness: lets the traffic run until {@code count} operations called at or after {@code from}
   * have succeeded, and fails if that takes longer than {@link #LIVENESS_BOUND} (or the traffic
   * ended by itself). {@code situation} says what the cluster serves through, for the message.
   */
  void assertServes(long from, int count, String situation) {
    cluster.waitFor(count + " successful operations " + situation, LIVENESS_BOUND,
        () -> run.isDone() || succeededBetween(from, now()) >= count ? true : null);
    assertThat(run).as("traffic still running").isNotDone();
  }

  /** Operations that returned successfully, called at or after {@code from} and returned by {@code to}. */
  long succeededBetween(long from, long to) {
    return recorder.history(initialRevision).operations().stream()
        .filter(op -> succeeded(op) && op.call() >= from && op.ret() <= to)
        .count();
  }

  /** Stops the clients and waits for the traffic's result. */
  KvTraffic.Result stop() {
    traffic.stop();
    try {
      KvTraffic.Result result = run.get(60, TimeUnit.SECONDS);
      System.err.println(tag + ": traffic " + result);
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("the traffic failed", e);
    }
  }

  /**
   * Reads every traffic key from each of {@code members} (linearizable reads, so each member first
   * confirms with a quorum that it has applied everything committed) into the history.
   */
  void readEveryKeyFrom(List<? extends Member> members) {
    ByteString prefix = EtcdGrpc.bytes(KvTraffic.PREFIX);
    RangeRequest all = RangeRequest.newBuilder().setKey(prefix)
        .setRangeEnd(EtcdGrpc.prefixEnd(prefix)).build();
    for (Member m : members) {
      cluster.waitFor("a read of every traffic key on " + m.name(), Duration.ofSeconds(30), () -> {
        long call = recorder.now();
        RangeResponse r = cluster.grpc(m).kv(Duration.ofSeconds(5)).range(all);
        recorder.returned(FINAL_READER + m.index(), call, ModelTranslation.request(all),
            ModelTranslation.response(r));
        return r;
      });
    }
  }

  /**
   * Checks the whole history (kept as history.jsonl in the cluster directory) and fails unless the
   * checker answers OK and enough operations succeeded for the run to be valid.
   */
  void assertLinearizable(KvTraffic.Result result) {
    History history = recorder.history(initialRevision);
    Path file = cluster.directory().resolve("history.jsonl");
    try (Writer out = Files.newBufferedWriter(file)) {
      HistoryCodec.write(history, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    HistoryChecker.Verdict verdict =
        new HistoryChecker(Duration.ofSeconds(60), Clock.systemUTC(), false).check(history);
    System.err.printf("%s: seed %d; verdict %s %s%n", tag, seed, verdict.outcome(), verdict.notes());
    String where = "history kept in " + file + " (seed " + seed + ")";
    assertThat(verdict.outcome()).as("checker verdict; violations %s; %s", verdict.violations(),
        where).isEqualTo(HistoryChecker.Outcome.OK);
    assertThat(result.succeeded()).as("invalid run: successful operations (%s); %s", result, where)
        .isGreaterThanOrEqualTo(MIN_SUCCEEDED);
  }

  @Override
  public void close() {
    traffic.stop();
    connections.forEach(EtcdGrpc::close);
  }

  /** Validity: the store is empty at the start; the history starts at this revision. */
  static long emptyStoreRevision(ProcessCluster cluster) {
    ByteString all = ByteString.copyFrom(new byte[1]);
    Member leader = cluster.awaitLeader(Duration.ofSeconds(30));
    RangeResponse r = KVGrpc.newBlockingStub(cluster.grpc(leader).channel())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .range(RangeRequest.newBuilder().setKey(all).setRangeEnd(all).setCountOnly(true).build());
    assertThat(r.getCount()).as("invalid run: the store is not empty at the start").isZero();
    return r.getHeader().getRevision();
  }

  private static boolean succeeded(Operation op) {
    return !op.unknown() && !op.failed();
  }
}
