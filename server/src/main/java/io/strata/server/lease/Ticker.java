package io.strata.server.lease;

/**
 * A monotonic clock in nanoseconds, the only time source of lease expiry. Values are meaningful
 * only as differences; the wall clock is never used, so a clock step on the host does not expire
 * or extend any lease. Tests pass a fake they advance by hand.
 *
 * <p>Threading: implementations must be safe to call from any thread.
 */
@FunctionalInterface
public interface Ticker {
  Ticker SYSTEM = System::nanoTime;

  long nanos();
}
