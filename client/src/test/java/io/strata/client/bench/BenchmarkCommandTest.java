package io.strata.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs the whole command over a real loopback gRPC connection to a {@link FakeKvService}. */
class BenchmarkCommandTest {

  private Server server;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @AfterEach
  void stopServer() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void putRunPrintsAParseableReport() throws IOException {
    FakeKvService kv = new FakeKvService();
    String endpoint = start(kv);

    int exitCode =
        run("put", "--endpoints", endpoint, "--clients", "4", "--conns", "2", "--total", "200",
            "--key-space-size", "50", "--key-size", "4", "--val-size", "32");

    assertThat(exitCode).as(err.toString()).isZero();
    Map<String, String> report = parseReport(out.toString());
    assertThat(report)
        .containsEntry("workload", "put")
        .containsEntry("total_requests", "200")
        .containsEntry("errors", "0")
        .containsEntry("clients", "4")
        .containsEntry("conns", "2");
    assertThat(Double.parseDouble(report.get("throughput_rps"))).isPositive();
    assertThat(Double.parseDouble(report.get("latency_p99_ms")))
        .isLessThanOrEqualTo(Double.parseDouble(report.get("latency_max_ms")));
    assertThat(kv.puts).hasValue(200);
    assertThat(kv.data.keySet())
        .isNotEmpty()
        .allSatisfy(key -> assertThat(key.size()).isEqualTo(4));
    assertThat(kv.data.values()).allSatisfy(value -> assertThat(value.size()).isEqualTo(32));
  }

  @Test
  void serializableRangeWithPrefillReadsTheWholeKeySpace() throws IOException {
    FakeKvService kv = new FakeKvService();
    String endpoint = start(kv);

    int exitCode =
        run("range", "--endpoints", endpoint, "--consistency", "s", "--prefill",
            "--key-space-size", "100", "--total", "300", "--clients", "3");

    assertThat(exitCode).as(err.toString()).isZero();
    assertThat(kv.puts).hasValue(100);
    assertThat(kv.data).hasSize(100);
    assertThat(kv.ranges).hasValue(300);
    assertThat(kv.serializableRanges).hasValue(300);
    assertThat(parseReport(out.toString())).containsEntry("consistency", "serializable");
    assertThat(err.toString()).contains("prefill: put 100 keys");
  }

  @Test
  void warmupRequestsAreSentButNotReported() throws IOException {
    FakeKvService kv = new FakeKvService();
    String endpoint = start(kv);

    int exitCode = run("put", "--endpoints", endpoint, "--warmup", "200ms", "--total", "50");

    assertThat(exitCode).as(err.toString()).isZero();
    assertThat(parseReport(out.toString())).containsEntry("total_requests", "50");
    assertThat(kv.puts.get()).isGreaterThan(50);
    assertThat(err.toString()).containsPattern("warmup: \\d+ requests");
  }

  @Test
  void measuredKeysDependOnTheSeedAloneNotOnTheWarmup() throws IOException {
    FakeKvService withoutWarmup = new FakeKvService();
    run("put", "--endpoints", start(withoutWarmup), "--key-space-size", "1000000", "--total", "20");
    server.shutdownNow();
    FakeKvService withWarmup = new FakeKvService();

    run("put", "--endpoints", start(withWarmup), "--key-space-size", "1000000", "--total", "20",
        "--warmup", "100ms");

    List<ByteString> measuredKeys = withWarmup.putKeysInArrivalOrder;
    assertThat(measuredKeys.size()).isGreaterThan(20);
    assertThat(measuredKeys.subList(measuredKeys.size() - 20, measuredKeys.size()))
        .isEqualTo(withoutWarmup.putKeysInArrivalOrder);
  }

  @Test
  void jsonReportIsASingleObject() throws IOException {
    String endpoint = start(new FakeKvService());

    int exitCode = run("range", "--endpoints", endpoint, "--total", "10", "--json");

    assertThat(exitCode).isZero();
    assertThat(out.toString())
        .startsWith("{\"workload\":\"range\",\"consistency\":\"linearizable\"")
        .contains("\"total_requests\":10,")
        .endsWith("}\n");
  }

  @Test
  void exitsWithOneWhenEveryRequestFails() throws IOException {
    String endpoint = start(new FakeKvService().failEvery(1));

    int exitCode = run("put", "--endpoints", endpoint, "--total", "20", "--clients", "2");

    assertThat(exitCode).isEqualTo(1);
    assertThat(parseReport(out.toString()))
        .containsEntry("errors", "20")
        .containsEntry("errors_by_code", "UNAVAILABLE=20")
        .containsEntry("throughput_rps", "0.0");
  }

  @Test
  void anUnreachableEndpointFailsEveryRequestAndExitsWithOne() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    int exitCode =
        run("put", "--endpoints", "127.0.0.1:" + closedPort, "--total", "5",
            "--connect-timeout", "300ms", "--request-timeout", "1s");

    assertThat(exitCode).isEqualTo(1);
    assertThat(err.toString()).contains("warning: channel 0 to 127.0.0.1:" + closedPort);
    assertThat(parseReport(out.toString())).containsEntry("errors", "5").containsEntry("succeeded", "0");
  }

  private String start(FakeKvService service) throws IOException {
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(service)
            .build()
            .start();
    return "127.0.0.1:" + server.getPort();
  }

  private int run(String... args) {
    CommandLine commandLine = Benchmark.commandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    return commandLine.execute(args);
  }

  private static Map<String, String> parseReport(String text) {
    return text.lines()
        .map(line -> line.split(": ", 2))
        .collect(Collectors.toMap(parts -> parts[0], parts -> parts[1]));
  }
}
