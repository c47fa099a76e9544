package io.strata.client.bench;

import io.grpc.Status;
import io.strata.client.Endpoint;
import io.strata.client.JsonStrings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The printed outcome of a benchmark run: the settings that shape the load, then the measurements.
 * Immutable.
 *
 * <p>The text form is one {@code name: value} line per field, in a fixed order, e.g.
 *
 * <pre>
 * workload: put
 * ...
 * total_requests: 10000
 * errors: 0
 * elapsed_s: 1.234
 * throughput_rps: 8103.7
 * latency_avg_ms: 0.122
 * latency_p50_ms: 0.110
 * latency_p90_ms: 0.160
 * latency_p99_ms: 0.410
 * latency_max_ms: 5.310
 * </pre>
 *
 * so that scripts can pick a figure with {@code awk '$1 == "throughput_rps:" {print $2}'}. The
 * JSON form is one object with the same names. Times are milliseconds with microsecond precision;
 * throughput counts successful requests only; latencies are those of successful requests.
 * {@code errors_by_code} and {@code sample_error} appear only when some request failed, and {@code
 * consistency} only for the range workload.
 */
public record BenchmarkReport(
    Workload workload,
    Optional<Consistency> consistency,
    List<Endpoint> endpoints,
    int conns,
    int clients,
    int keySize,
    int valSize,
    int keySpaceSize,
    RunResult result) {

  public BenchmarkReport {
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(consistency, "consistency");
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(result, "result");
  }

  /** The report's fields, in print order. Values are String, Long, Double or a Map of them. */
  Map<String, Object> fields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("workload", workload.displayName());
    consistency.ifPresent(c -> fields.put("consistency", c.displayName()));
    fields.put(
        "endpoints", endpoints.stream().map(Endpoint::toString).collect(Collectors.joining(",")));
    fields.put("conns", (long) conns);
    fields.put("clients", (long) clients);
    fields.put("key_size", (long) keySize);
    fields.put("val_size", (long) valSize);
    fields.put("key_space_size", (long) keySpaceSize);
    fields.put("total_requests", result.requests());
    fields.put("succeeded", result.succeeded());
    fields.put("errors", result.errors());
    if (!result.errorsByCode().isEmpty()) {
      Map<String, Object> byCode = new LinkedHashMap<>();
      for (Map.Entry<Status.Code, Long> entry : result.errorsByCode().entrySet()) {
        byCode.put(entry.getKey().name(), entry.getValue());
      }
      fields.put("errors_by_code", byCode);
    }
    result.sampleError().ifPresent(error -> fields.put("sample_error", error));
    fields.put("elapsed_s", new Fixed(result.elapsedSeconds(), 3));
    fields.put("throughput_rps", new Fixed(result.throughputPerSecond(), 1));
    LatencySummary latency = result.latency();
    fields.put("latency_avg_ms", millis(latency.averageNanos()));
    fields.put("latency_p50_ms", millis(latency.p50Nanos()));
    fields.put("latency_p90_ms", millis(latency.p90Nanos()));
    fields.put("latency_p99_ms", millis(latency.p99Nanos()));
    fields.put("latency_max_ms", millis(latency.maxNanos()));
    return fields;
  }

  /** One {@code name: value} line per field; nested maps print as {@code K1=v1,K2=v2}. */
  public String toText() {
    StringBuilder text = new StringBuilder();
    fields().forEach((name, value) -> text.append(name).append(": ").append(textOf(value)).append('\n'));
    return text.toString();
  }

  /** One JSON object on one line, followed by a newline. */
  public String toJson() {
    return jsonOf(fields()) + "\n";
  }

  private static Fixed millis(double nanos) {
    return new Fixed(nanos / 1e6, 3);
  }

  private static String textOf(Object value) {
    if (value instanceof Map<?, ?> map) {
      return map.entrySet().stream()
          .map(e -> e.getKey() + "=" + textOf(e.getValue()))
          .collect(Collectors.joining(","));
    }
    return value.toString();
  }

  private static String jsonOf(Object value) {
    if (value instanceof Map<?, ?> map) {
      return map.entrySet().stream()
          .map(e -> jsonString(e.getKey().toString()) + ":" + jsonOf(e.getValue()))
          .collect(Collectors.joining(",", "{", "}"));
    }
    if (value instanceof String string) {
      return jsonString(string);
    }
    return value.toString(); // Long or Fixed: already a JSON number
  }

  static String jsonString(String value) {
    return JsonStrings.quote(value);
  }


  /** A number printed with a fixed count of decimals, locale-independent. */
  private record Fixed(double value, int decimals) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
  }
}
