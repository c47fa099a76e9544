package io.strata.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.strata.client.Endpoint;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BenchmarkReportTest {

  private static final LatencySummary LATENCY =
      new LatencySummary(9_990, 1_234_567.0, 1_000_000, 2_500_000, 9_999_999, 42_000_000);

  @Test
  void textHasOneNameValueLinePerFigureInAFixedOrder() {
    RunResult result = new RunResult(10_000, Map.of(), Optional.empty(), 2_000_000_000L, LATENCY);

    String text = report(Workload.PUT, Optional.empty(), result).toText();

    assertThat(text)
        .isEqualTo(
            """
            workload: put
            endpoints: 127.0.0.1:23790,127.0.0.1:23791
            conns: 2
            clients: 8
            key_size: 8
            val_size: 16
            key_space_size: 1000
            total_requests: 10000
            succeeded: 10000
            errors: 0
            elapsed_s: 2.000
            throughput_rps: 5000.0
            latency_avg_ms: 1.235
            latency_p50_ms: 1.000
            latency_p90_ms: 2.500
            latency_p99_ms: 10.000
            latency_max_ms: 42.000
            """);
  }

  @Test
  void failuresAddTheirCodesAndASampleAndThroughputCountsSuccessesOnly() {
    RunResult result =
        new RunResult(
            10_000,
            Map.of(Status.Code.UNAVAILABLE, 7L, Status.Code.DEADLINE_EXCEEDED, 3L),
            Optional.of("UNAVAILABLE: leader lost"),
            1_000_000_000L,
            LATENCY);

    String text = report(Workload.RANGE, Optional.of(Consistency.SERIALIZABLE), result).toText();

    assertThat(text.lines())
        .contains(
            "workload: range",
            "consistency: serializable",
            "succeeded: 9990",
            "errors: 10",
            "errors_by_code: DEADLINE_EXCEEDED=3,UNAVAILABLE=7",
            "sample_error: UNAVAILABLE: leader lost",
            "throughput_rps: 9990.0");
  }

  @Test
  void jsonIsOneObjectWithTheSameNames() {
    RunResult result =
        new RunResult(
            10_000,
            Map.of(Status.Code.UNAVAILABLE, 10L),
            Optional.of("UNAVAILABLE: \"quoted\"\n"),
            1_000_000_000L,
            LATENCY);

    String json = report(Workload.RANGE, Optional.of(Consistency.LINEARIZABLE), result).toJson();

    assertThat(json)
        .isEqualTo(
            "{\"workload\":\"range\",\"consistency\":\"linearizable\","
                + "\"endpoints\":\"127.0.0.1:23790,127.0.0.1:23791\",\"conns\":2,\"clients\":8,"
                + "\"key_size\":8,\"val_size\":16,\"key_space_size\":1000,\"total_requests\":10000,"
                + "\"succeeded\":9990,\"errors\":10,\"errors_by_code\":{\"UNAVAILABLE\":10},"
                + "\"sample_error\":\"UNAVAILABLE: \\\"quoted\\\"\\n\",\"elapsed_s\":1.000,"
                + "\"throughput_rps\":9990.0,\"latency_avg_ms\":1.235,\"latency_p50_ms\":1.000,"
                + "\"latency_p90_ms\":2.500,\"latency_p99_ms\":10.000,\"latency_max_ms\":42.000}\n");
  }

  @Test
  void jsonStringsEscapeControlCharacters() {
    assertThat(BenchmarkReport.jsonString("a\u0001b\\")).isEqualTo("\"a\\u0001b\\\\\"");
  }

  private static BenchmarkReport report(
      Workload workload, Optional<Consistency> consistency, RunResult result) {
    return new BenchmarkReport(
        workload,
        consistency,
        List.of(new Endpoint("127.0.0.1", 23790), new Endpoint("127.0.0.1", 23791)),
        2,
        8,
        8,
        16,
        1000,
        result);
  }
}
