package io.strata.client.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoadRunnerTest {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void shutDown() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
    for (Server server : servers) {
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void issuesExactlyTheTotalAndRecordsOneLatencyPerSuccess() throws Exception {
    FakeKvService kv = new FakeKvService();
    LoadRunner runner = new LoadRunner(List.of(channelTo(kv)), 3, REQUEST_TIMEOUT);

    RunResult result = runner.run(puts(), RunLimit.requests(100));

    assertThat(kv.puts).hasValue(100);
    assertThat(result.requests()).isEqualTo(100);
    assertThat(result.succeeded()).isEqualTo(100);
    assertThat(result.errors()).isZero();
    assertThat(result.latency().count()).isEqualTo(100);
    assertThat(result.latency().maxNanos()).isPositive().isLessThanOrEqualTo(result.elapsedNanos());
    assertThat(result.throughputPerSecond()).isPositive();
  }

  @Test
  void keepsAsManyRequestsInFlightAsThereAreClients() throws Exception {
    // The service answers only when 4 puts are pending: fewer in flight would end in deadline errors.
    FakeKvService kv = new FakeKvService().answerInBatchesOf(4);
    LoadRunner runner = new LoadRunner(List.of(channelTo(kv)), 4, REQUEST_TIMEOUT);

    RunResult result = runner.run(puts(), RunLimit.requests(20));

    assertThat(result.errors()).isZero();
    assertThat(result.succeeded()).isEqualTo(20);
    assertThat(kv.maxHeldPuts()).isEqualTo(4);
  }

  @Test
  void countsFailuresByStatusCodeAndKeepsThemOutOfTheLatencies() throws Exception {
    FakeKvService kv = new FakeKvService().failEvery(3);
    LoadRunner runner = new LoadRunner(List.of(channelTo(kv)), 2, REQUEST_TIMEOUT);

    RunResult result = runner.run(puts(), RunLimit.requests(30));

    assertThat(result.requests()).isEqualTo(30);
    assertThat(result.errorsByCode()).isEqualTo(Map.of(Status.Code.UNAVAILABLE, 10L));
    assertThat(result.succeeded()).isEqualTo(20);
    assertThat(result.latency().count()).isEqualTo(20);
    assertThat(result.sampleError()).hasValueSatisfying(error -> assertThat(error).startsWith("UNAVAILABLE: request "));
  }

  @Test
  void aRequestPastItsDeadlineIsAnErrorAndTheRunStillEnds() throws Exception {
    FakeKvService kv = new FakeKvService().neverAnswer();
    LoadRunner runner = new LoadRunner(List.of(channelTo(kv)), 2, Duration.ofMillis(200));

    RunResult result = runner.run(puts(), RunLimit.requests(2));

    assertThat(result.errorsByCode()).isEqualTo(Map.of(Status.Code.DEADLINE_EXCEEDED, 2L));
    assertThat(result.latency()).isEqualTo(LatencySummary.EMPTY);
    assertThat(result.throughputPerSecond()).isZero();
  }

  @Test
  void aSenderThatThrowsCountsAsAFailedRequest() throws Exception {
    LoadRunner runner = new LoadRunner(List.of(channelTo(new FakeKvService())), 1, REQUEST_TIMEOUT);
    RequestSender broken = (stub, completion) -> {
      throw new IllegalStateException("cannot build request");
    };

    RunResult result = runner.run(broken, RunLimit.requests(3));

    assertThat(result.errors()).isEqualTo(3);
    assertThat(result.errorsByCode()).containsOnlyKeys(Status.Code.UNKNOWN);
  }

  @Test
  void aSenderThatNeverCompletesEndsTheRunWithAnErrorInsteadOfHanging() throws Exception {
    LoadRunner runner =
        new LoadRunner(
            List.of(channelTo(new FakeKvService())), 2, Duration.ofMillis(100), Duration.ofMillis(100));
    RequestSender forgetful = (stub, completion) -> { };

    assertThatThrownBy(() -> runner.run(forgetful, RunLimit.requests(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("never completed");
  }

  @Test
  void aTimedRunIssuesRequestsForItsDuration() throws Exception {
    FakeKvService kv = new FakeKvService();
    LoadRunner runner = new LoadRunner(List.of(channelTo(kv)), 2, REQUEST_TIMEOUT);
    Duration duration = Duration.ofMillis(300);

    RunResult result = runner.run(puts(), RunLimit.duration(duration));

    assertThat(result.requests()).isPositive().isEqualTo(kv.puts.get());
    assertThat(result.errors()).isZero();
    assertThat(result.elapsedNanos()).isGreaterThanOrEqualTo(duration.toNanos());
  }

  @Test
  void spreadsClientsOverTheChannels() throws Exception {
    FakeKvService first = new FakeKvService();
    FakeKvService second = new FakeKvService();
    LoadRunner runner = new LoadRunner(List.of(channelTo(first), channelTo(second)), 4, REQUEST_TIMEOUT);

    RunResult result = runner.run(puts(), RunLimit.requests(40));

    assertThat(result.succeeded()).isEqualTo(40);
    assertThat(first.puts.get()).isPositive();
    assertThat(second.puts.get()).isPositive();
    assertThat(first.puts.get() + second.puts.get()).isEqualTo(40);
  }

  private static RequestSender puts() {
    return RequestSender.put(KeyGenerator.sequential(4, 100), ByteString.copyFromUtf8("value"));
  }

  private ManagedChannel channelTo(FakeKvService service) throws IOException {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(service).build().start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    channels.add(channel);
    return channel;
  }
}
