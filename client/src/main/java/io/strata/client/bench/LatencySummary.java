package io.strata.client.bench;

import java.util.Arrays;

/**
 * Summary statistics of a set of request latencies, all in nanoseconds. Immutable.
 *
 * <p>Percentiles use the nearest-rank method: the p-th percentile of n sorted samples is the sample
 * at 1-based rank {@code ceil(p / 100 * n)}. It is always one of the measured values; e.g. for the
 * samples 1..10, p50 = 5, p90 = 9, p99 = 10. An empty set summarises to all zeros.
 *
 * @param count number of samples
 * @param averageNanos arithmetic mean
 */
public record LatencySummary(
    long count, double averageNanos, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos) {

  /** The summary of no samples: every figure is zero. */
  public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0);

  /** Summarises {@code latenciesNanos}; the array is not modified. */
  public static LatencySummary of(long[] latenciesNanos) {
    if (latenciesNanos.length == 0) {
      return EMPTY;
    }
    long[] sorted = latenciesNanos.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (long latency : sorted) {
      sum += latency;
    }
    return new LatencySummary(
        sorted.length,
        sum / sorted.length,
        percentileOfSorted(sorted, 50),
        percentileOfSorted(sorted, 90),
        percentileOfSorted(sorted, 99),
        sorted[sorted.length - 1]);
  }

  /**
   * The nearest-rank {@code percentile} (in (0, 100]) of ascending {@code sorted}, which must not
   * be empty.
   */
  static long percentileOfSorted(long[] sorted, double percentile) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    if (!(percentile > 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100]: " + percentile);
    }
    // percentile * n is exact for whole percentiles, so the rank never suffers a rounding error.
    long rank = (long) Math.ceil(percentile * sorted.length / 100.0);
    int index = (int) Math.min(Math.max(rank, 1), sorted.length) - 1;
    return sorted[index];
  }
}
