package io.strata.client.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LatencySummaryTest {

  @Test
  void summarisesOneToTenByNearestRank() {
    LatencySummary summary = LatencySummary.of(new long[] {7, 3, 10, 1, 5, 9, 2, 8, 4, 6});

    assertThat(summary.count()).isEqualTo(10);
    assertThat(summary.averageNanos()).isEqualTo(5.5);
    assertThat(summary.p50Nanos()).isEqualTo(5);
    assertThat(summary.p90Nanos()).isEqualTo(9);
    assertThat(summary.p99Nanos()).isEqualTo(10);
    assertThat(summary.maxNanos()).isEqualTo(10);
  }

  @Test
  void p99OfOneHundredSamplesIsTheNinetyNinthSmallest() {
    long[] oneToHundred = LongStream.rangeClosed(1, 100).toArray();

    LatencySummary summary = LatencySummary.of(oneToHundred);

    assertThat(summary.p50Nanos()).isEqualTo(50);
    assertThat(summary.p90Nanos()).isEqualTo(90);
    assertThat(summary.p99Nanos()).isEqualTo(99);
    assertThat(summary.maxNanos()).isEqualTo(100);
  }

  @Test
  void aSingleSampleIsEveryPercentile() {
    LatencySummary summary = LatencySummary.of(new long[] {42});

    assertThat(summary)
        .isEqualTo(new LatencySummary(1, 42.0, 42, 42, 42, 42));
  }

  @Test
  void noSamplesSummariseToZeros() {
    assertThat(LatencySummary.of(new long[0])).isEqualTo(LatencySummary.EMPTY);
    assertThat(LatencySummary.EMPTY.count()).isZero();
  }

  @Test
  void leavesTheCallersArrayUnsorted() {
    long[] latencies = {3, 1, 2};

    LatencySummary.of(latencies);

    assertThat(latencies).containsExactly(3, 1, 2);
  }

  @Test
  void averageDoesNotOverflowOnLargeLatencies() {
    long hour = 3_600_000_000_000L;
    long[] latencies = LongStream.generate(() -> hour).limit(10_000).toArray();

    assertThat(LatencySummary.of(latencies).averageNanos()).isEqualTo(hour);
  }

  @ParameterizedTest(name = "p{1} of 1..{0} is {2}")
  @CsvSource({"1000, 99, 990", "1000, 99.9, 999", "7, 50, 4", "3, 1, 1", "3, 100, 3", "200, 90, 180"})
  void percentileOfSortedUsesTheNearestRank(int samples, double percentile, long expected) {
    long[] sorted = LongStream.rangeClosed(1, samples).toArray();

    assertThat(LatencySummary.percentileOfSorted(sorted, percentile)).isEqualTo(expected);
  }

  @Test
  void rejectsPercentilesOutsideZeroToHundred() {
    long[] sorted = {1, 2};
    assertThatThrownBy(() -> LatencySummary.percentileOfSorted(sorted, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LatencySummary.percentileOfSorted(sorted, 100.1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
