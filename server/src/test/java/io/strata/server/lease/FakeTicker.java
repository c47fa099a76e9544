package io.strata.server.lease;

import java.time.Duration;

/** A monotonic clock that moves only when the test says so. Starts at an arbitrary large value. */
final class FakeTicker implements Ticker {
  private volatile long now = 7_000_000_000_000L;

  @Override
  public long nanos() {
    return now;
  }

  void advance(Duration by) {
    now += by.toNanos();
  }
}
