package io.strata.robustness.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.strata.robustness.checker.History;
import io.strata.robustness.checker.HistoryChecker;
import io.strata.robustness.checker.Operation;
import io.strata.robustness.checker.Request;
import io.strata.robustness.checker.Response;
import io.strata.robustness.checker.Violation;
import io.strata.robustness.checker.WatchStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The recorder against an in-process fake etcd, checked by {@link HistoryChecker}. */
class KvTrafficTest {

  private FakeEtcd fake;
  private ExecutorService serverExecutor;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    fake = new FakeEtcd();
    serverExecutor = Executors.newSingleThreadExecutor();
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).executor(serverExecutor);
    fake.services().forEach(builder::addService);
    server = builder.build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    serverExecutor.shutdownNow();
  }

  private static HistoryChecker checker() {
    return new HistoryChecker(Duration.ofSeconds(20), Clock.systemUTC(), true);
  }

  private KvTraffic.Result run(KvTraffic.Config config) throws InterruptedException {
    return new KvTraffic(config, List.of(channel)).run(1);
  }

  private static KvTraffic.Config config(int clients, int ops, long seed) {
    return KvTraffic.Config.of(seed).withClients(clients).withMaxOperations(ops)
        .withDuration(Duration.ofSeconds(30));
  }

  private static HistoryChecker.Verdict assertOk(History h) {
    HistoryChecker.Verdict v = checker().check(h);
    assertThat(v.outcome()).as(v.toString()).isEqualTo(HistoryChecker.Outcome.OK);
    return v;
  }

  private static List<String> violatedRules(History h) {
    HistoryChecker.Verdict v = checker().check(h);
    assertThat(v.outcome()).as(v.toString()).isEqualTo(HistoryChecker.Outcome.VIOLATION);
    return v.violations().stream().map(Violation::rule).toList();
  }

  private static boolean isPastRead(Operation op) {
    return op.request() instanceof Request.Range r && r.revision() > 0;
  }

  @Test
  void a_sequential_history_of_the_whole_mix_is_recorded_in_order_and_passes_the_checker()
      throws InterruptedException {
    KvTraffic.Result r = run(config(1, 500, 7));

    History h = r.history();
    assertThat(r.operations()).isEqualTo(500);
    assertThat(r.unknown()).isZero();
    // Alone, a client fails only below a compaction (a past read, or a compaction not above it).
    assertThat(h.operations()).filteredOn(Operation::failed).allSatisfy(op ->
        assertThat(op.response()).isEqualTo(new Response.Error(Response.Error.COMPACTED)));
    Operation previous = null;
    for (Operation op : h.operations()) {
      assertThat(op.ret()).isGreaterThanOrEqualTo(op.call());
      if (previous != null) {
        assertThat(op.call()).as("one request at a time").isGreaterThanOrEqualTo(previous.ret());
      }
      previous = op;
    }
    // Every kind of request is in the mix; alone, a client's CAS always wins.
    Set<Class<?>> kinds = new HashSet<>();
    h.operations().forEach(op -> kinds.add(op.request().getClass()));
    assertThat(kinds).contains(Request.Range.class, Request.Put.class, Request.Delete.class,
        Request.Txn.class, Request.LeaseGrant.class, Request.LeaseRevoke.class,
        Request.Compact.class);
    assertThat(h.operations()).anyMatch(op ->
        op.request() instanceof Request.Put p && p.lease() != 0 && !op.failed());
    assertThat(h.operations()).anyMatch(op -> isPastRead(op) && !op.failed());
    assertThat(h.operations()).anyMatch(op ->
        op.request() instanceof Request.Compact && !op.failed());
    assertThat(h.operations()).filteredOn(op -> op.response() instanceof Response.Txn)
        .isNotEmpty()
        .allSatisfy(op -> assertThat(((Response.Txn) op.response()).succeeded()).isTrue());
    // Values are unique.
    Set<String> values = new HashSet<>();
    for (Operation op : h.operations()) {
      if (op.request() instanceof Request.Put p) {
        assertThat(values.add(p.value())).as("unique value " + p.value()).isTrue();
      }
    }
    // Two watchers saw everything and caught up to the last revision.
    assertThat(r.watchersCaughtUp()).as(r.toString()).isEqualTo(2);
    assertThat(h.watches()).hasSizeGreaterThanOrEqualTo(2);
    assertOk(h);
  }

  @Test
  void the_same_seed_gives_the_same_requests() throws InterruptedException {
    List<Request> first = run(config(1, 200, 42)).history().operations().stream()
        .map(Operation::request).toList();
    stop();
    try {
      start();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    List<Request> again = run(config(1, 200, 42)).history().operations().stream()
        .map(Operation::request).toList();
    assertThat(again).isEqualTo(first);
  }

  @Test
  void the_kv_only_mix_has_no_leases_compactions_or_past_reads() throws InterruptedException {
    KvTraffic.Result r = run(config(1, 300, 7).withMix(KvTraffic.Mix.KV_ONLY).withWatchers(0));
    assertThat(r.history().operations()).noneMatch(op ->
        op.request() instanceof Request.LeaseGrant || op.request() instanceof Request.Compact
            || isPastRead(op));
    assertThat(r.history().watches()).isEmpty();
    assertOk(r.history());
  }

  @Test
  void concurrent_clients_record_a_linearizable_history() throws InterruptedException {
    KvTraffic.Result r = run(config(4, 600, 3));
    assertThat(r.operations()).isEqualTo(600);
    assertThat(r.history().operations().stream().map(Operation::client).distinct())
        .hasSize(4);
    // Other clients' writes make some CAS txns lose.
    assertThat(r.history().operations()).anySatisfy(op ->
        assertThat(op.response()).isInstanceOfSatisfying(Response.Txn.class,
            t -> assertThat(t.succeeded()).isFalse()));
    assertThat(r.allWatchersCaughtUp()).as(r.toString()).isTrue();
    assertOk(r.history());
  }

  @Test
  void writes_whose_reply_is_lost_are_unknown_and_the_history_still_passes()
      throws InterruptedException {
    fake.loseReplyOfWrite = n -> n % 17 == 5;
    KvTraffic.Result r = run(config(2, 300, 11));
    assertThat(r.unknown()).isPositive();
    assertThat(r.history().operations()).filteredOn(Operation::unknown)
        .allSatisfy(op -> {
          assertThat(op.ret()).isEqualTo(Operation.INFINITY);
          assertThat(op.request().mayWrite()).isTrue();
        });
    assertOk(r.history());
  }

  @Test
  void watchers_resume_a_broken_stream_from_the_revision_after_the_last_they_saw()
      throws InterruptedException {
    fake.breakWatchesAfterWrite = n -> n % 40 == 39;
    KvTraffic.Result r = run(config(1, 400, 13).withMix(KvTraffic.Mix.KV_ONLY));

    Map<Integer, List<WatchStream>> byWatcher = r.history().watches().stream()
        .collect(Collectors.groupingBy(WatchStream::client));
    assertThat(byWatcher).hasSize(2);
    for (List<WatchStream> streams : byWatcher.values()) {
      assertThat(streams).as("resumed after the breaks").hasSizeGreaterThan(2);
      for (int i = 1; i < streams.size(); i++) {
        assertThat(streams.get(i).startRevision())
            .isEqualTo(vouchedFor(streams.get(i - 1)) + 1);
      }
    }
    assertThat(r.allWatchersCaughtUp()).as(r.toString()).isTrue();
    assertOk(r.history());
  }

  /** The highest revision a stream promised complete: its last event or progress notification. */
  private static long vouchedFor(WatchStream w) {
    long vouched = w.startRevision() - 1;
    for (WatchStream.Reply reply : w.responses()) {
      if (reply.progress()) {
        vouched = Math.max(vouched, reply.revision());
      }
      for (WatchStream.Event e : reply.events()) {
        vouched = Math.max(vouched, e.revision());
      }
    }
    return vouched;
  }

  @Test
  void a_watch_starting_below_a_compaction_is_canceled_and_resumes_from_the_compaction()
      throws InterruptedException {
    HistoryRecorder recorder = new HistoryRecorder();
    KvTraffic.Result writes = new KvTraffic(config(1, 200, 17).withWatchers(0)
        .withMix(KvTraffic.Mix.DEFAULT.with(KvTraffic.Kind.COMPACT, 10)), List.of(channel),
        recorder).run(1);
    long compacted = writes.history().operations().stream()
        .filter(op -> op.request() instanceof Request.Compact && !op.failed())
        .mapToLong(op -> ((Request.Compact) op.request()).revision()).max().orElseThrow();

    WatchTraffic watchers = new WatchTraffic(2, 1, List.of(channel), recorder,
        Duration.ofMillis(50), Duration.ofSeconds(5));
    watchers.start(2);
    int caughtUp = watchers.finish(writes.lastRevision(),
        System.nanoTime() + Duration.ofSeconds(10).toNanos());

    History h = recorder.history(1);
    assertThat(caughtUp).isEqualTo(2);
    Map<Integer, List<WatchStream>> byWatcher = h.watches().stream()
        .collect(Collectors.groupingBy(WatchStream::client));
    for (List<WatchStream> streams : byWatcher.values()) {
      assertThat(streams).hasSize(2);
      assertThat(streams.get(0).startRevision()).isEqualTo(2);
      assertThat(streams.get(0).responses())
          .containsExactly(new WatchStream.Reply(0, compacted, false, List.of()));
      assertThat(streams.get(1).startRevision()).isEqualTo(compacted);
      assertThat(streams.get(1).responses()).isNotEmpty();
    }
    assertOk(h);
  }

  @Test
  void a_server_serving_stale_reads_is_caught() throws InterruptedException {
    fake.staleReads = true;
    KvTraffic.Result r = run(config(1, 300, 5));
    assertThat(violatedRules(r.history())).isNotEmpty();
  }

  @Test
  void a_server_serving_a_past_read_from_the_revision_before_is_caught()
      throws InterruptedException {
    fake.pastReadsOneRevisionEarly = true;
    KvTraffic.Result r = run(config(1, 300, 5));
    assertThat(violatedRules(r.history())).contains("stale-read");
  }

  @Test
  void a_revoke_that_leaves_a_key_attached_is_caught() throws InterruptedException {
    fake.revokeLeavesAKey = true;
    KvTraffic.Result r = run(config(1, 500, 5));
    assertThat(violatedRules(r.history())).isNotEmpty();
  }

  @Test
  void a_watch_event_the_server_never_sends_is_caught() throws InterruptedException {
    fake.dropWatchEventsOf = revision -> revision == 20;
    KvTraffic.Result r = run(config(1, 200, 5).withMix(KvTraffic.Mix.KV_ONLY));
    assertThat(r.lastRevision()).isGreaterThan(20);
    List<String> rules = violatedRules(r.history());
    assertThat(rules).isNotEmpty().allMatch(rule -> rule.startsWith("watch-"));
    assertThat(rules).as("one per watcher").hasSize(2);
  }
}
