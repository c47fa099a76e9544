package io.strata.client.bench;

import io.grpc.Status;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one {@link LoadRunner#run} measured. Immutable.
 *
 * @param requests requests issued (succeeded plus failed)
 * @param errorsByCode failed requests by gRPC status code; only codes that occurred
 * @param sampleError the description of one failure, to tell the user why requests failed
 * @param elapsedNanos from just before the first request was issued until the last one completed
 * @param latency latencies of the requests that succeeded; failures are not in it
 */
public record RunResult(
    long requests,
    Map<Status.Code, Long> errorsByCode,
    Optional<String> sampleError,
    long elapsedNanos,
    LatencySummary latency) {

  public RunResult {
    Objects.requireNonNull(sampleError, "sampleError");
    Objects.requireNonNull(latency, "latency");
    errorsByCode =
        errorsByCode.isEmpty()
            ? Map.of()
            : Collections.unmodifiableMap(new EnumMap<>(errorsByCode));
  }

  public long errors() {
    return errorsByCode.values().stream().mapToLong(Long::longValue).sum();
  }

  public long succeeded() {
    return requests - errors();
  }

  public double elapsedSeconds() {
    return elapsedNanos / 1e9;
  }

  /** Successful requests per second of elapsed time; 0 if no time elapsed. */
  public double throughputPerSecond() {
    return elapsedNanos <= 0 ? 0 : succeeded() / elapsedSeconds();
  }
}
