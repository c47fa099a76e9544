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
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The recorder against an in-process fake KV service, checked by {@link HistoryChecker}. */
class KvTrafficTest {

  private FakeKv fake;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    fake = new FakeKv();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(fake).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
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

  @Test
  void a_sequential_history_is_recorded_in_order_and_passes_the_checker()
      throws InterruptedException {
    KvTraffic.Result r = run(config(1, 400, 7));

    History h = r.history();
    assertThat(r.operations()).isEqualTo(400);
    assertThat(r.succeeded()).isEqualTo(400);
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
        Request.Txn.class);
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

    HistoryChecker.Verdict v = checker().check(h);
    assertThat(v.outcome()).as(v.toString()).isEqualTo(HistoryChecker.Outcome.OK);
  }

  @Test
  void the_same_seed_gives_the_same_requests() throws InterruptedException {
    List<Request> first = run(config(1, 100, 42)).history().operations().stream()
        .map(Operation::request).toList();
    stop();
    try {
      start();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    List<Request> again = new KvTraffic(config(1, 100, 42),
        List.of(channel)).run(1).history().operations().stream().map(Operation::request).toList();
    assertThat(again).isEqualTo(first);
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
    HistoryChecker.Verdict v = checker().check(r.history());
    assertThat(v.outcome()).as(v.toString()).isEqualTo(HistoryChecker.Outcome.OK);
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
    HistoryChecker.Verdict v = checker().check(r.history());
    assertThat(v.outcome()).as(v.toString()).isEqualTo(HistoryChecker.Outcome.OK);
  }

  @Test
  void a_server_serving_stale_reads_is_caught() throws InterruptedException {
    fake.staleReads = true;
    KvTraffic.Result r = run(config(1, 300, 5));
    HistoryChecker.Verdict v = checker().check(r.history());
    assertThat(v.outcome()).isEqualTo(HistoryChecker.Outcome.VIOLATION);
  }
}
