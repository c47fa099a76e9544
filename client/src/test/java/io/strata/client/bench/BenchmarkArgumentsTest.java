package io.strata.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.Endpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class BenchmarkArgumentsTest {

  @Test
  void defaultsFollowEtcdsBenchmarkTool() {
    Benchmark benchmark = parse("put");

    assertThat(benchmark.workload).isEqualTo(Workload.PUT);
    assertThat(benchmark.endpoints).containsExactly(new Endpoint("127.0.0.1", 2379));
    assertThat(benchmark.conns).isEqualTo(1);
    assertThat(benchmark.clients).isEqualTo(1);
    assertThat(benchmark.keySize).isEqualTo(8);
    assertThat(benchmark.valSize).isEqualTo(8);
    assertThat(benchmark.keySpaceSize).isEqualTo(1);
    assertThat(benchmark.sequentialKeys).isFalse();
    assertThat(benchmark.consistency).isEqualTo(Consistency.LINEARIZABLE);
    assertThat(benchmark.requestTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(benchmark.json).isFalse();
    assertThat(benchmark.warmup).isNull();
    assertThat(benchmark.runLimit()).isEqualTo(RunLimit.requests(10_000));
  }

  @Test
  void parsesEveryOption() {
    Benchmark benchmark =
        parse(
            "range",
            "--endpoints", "127.0.0.1:23790,http://127.0.0.1:23791",
            "--conns", "2",
            "--clients", "16",
            "--key-size", "16",
            "--val-size", "256",
            "--key-space-size", "100000",
            "--sequential-keys",
            "--total", "50000",
            "--warmup", "3s",
            "--consistency", "s",
            "--prefill",
            "--request-timeout", "2s",
            "--connect-timeout", "500ms",
            "--seed", "7",
            "--json");

    assertThat(benchmark.workload).isEqualTo(Workload.RANGE);
    assertThat(benchmark.endpoints)
        .containsExactly(new Endpoint("127.0.0.1", 23790), new Endpoint("127.0.0.1", 23791));
    assertThat(List.of(benchmark.conns, benchmark.clients, benchmark.keySize, benchmark.valSize, benchmark.keySpaceSize))
        .containsExactly(2, 16, 16, 256, 100_000);
    assertThat(benchmark.sequentialKeys).isTrue();
    assertThat(benchmark.runLimit()).isEqualTo(RunLimit.requests(50_000));
    assertThat(benchmark.consistency).isEqualTo(Consistency.SERIALIZABLE);
    assertThat(benchmark.prefill).isTrue();
    assertThat(benchmark.warmup).isEqualTo(Duration.ofSeconds(3));
    assertThat(benchmark.requestTimeout).isEqualTo(Duration.ofSeconds(2));
    assertThat(benchmark.connectTimeout).isEqualTo(Duration.ofMillis(500));
    assertThat(benchmark.seed).isEqualTo(7);
    assertThat(benchmark.json).isTrue();
  }

  @Test
  void aDurationReplacesTheDefaultTotal() {
    assertThat(parse("put", "--duration", "10s").runLimit())
        .isEqualTo(RunLimit.duration(Duration.ofSeconds(10)));
  }

  @Test
  void workloadAndConsistencyIgnoreCase() {
    Benchmark benchmark = parse("RANGE", "--consistency", "Serializable");

    assertThat(benchmark.workload).isEqualTo(Workload.RANGE);
    assertThat(benchmark.consistency).isEqualTo(Consistency.SERIALIZABLE);
  }

  @ParameterizedTest(name = "{0} is refused: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "put --total 10 --duration 1s | mutually exclusive",
        "put --clients 2 --conns 3 | must not exceed --clients",
        "put --clients 0 | --clients must be at least 1",
        "put --total 0 | --total must be at least 1",
        "put --val-size -1 | --val-size must be at least 0",
        "put --key-size 3 --key-space-size 10000 | at least 4",
        "put --duration 0s | --duration must be positive",
        "put --warmup 0ms | --warmup must be positive",
        "put --consistency s | --consistency applies to the range workload only",
        "put --prefill | --prefill applies to the range workload only",
        "range --consistency x | unknown consistency",
        "put --duration 10 | invalid duration",
        "put --endpoints 127.0.0.1 | not a host:port endpoint",
        "delete | WORKLOAD",
        " | Missing required parameter"
      })
  void invalidArgumentsExitWithStatusTwoAndSayWhy(String args, String expectedMessage) {
    StringWriter err = new StringWriter();
    CommandLine commandLine = Benchmark.commandLine();
    commandLine.setErr(new PrintWriter(err, true));

    int exitCode = commandLine.execute(args == null ? new String[0] : args.trim().split("\\s+"));

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString()).contains(expectedMessage);
  }

  private static Benchmark parse(String... args) {
    CommandLine commandLine = Benchmark.commandLine();
    commandLine.parseArgs(args);
    return commandLine.getCommand();
  }
}
