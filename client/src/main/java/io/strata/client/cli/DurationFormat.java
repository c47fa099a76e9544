package io.strata.client.cli;

import java.time.Duration;

/** Prints a duration the way etcd's flags take it: {@code 2s}, {@code 500ms}, {@code 1m}. Stateless. */
final class DurationFormat {

  private DurationFormat() {}

  static String of(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 60_000 == 0 && millis != 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }
}
