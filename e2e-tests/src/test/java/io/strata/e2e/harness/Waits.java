package io.strata.e2e.harness;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Polling with a deadline. A probe is "satisfied" when it returns a non-null value without
 * throwing; on timeout the failure names what was awaited and the probe's last answer or error,
 * so a Strata run that cannot work yet fails with the reason instead of hanging.
 */
public final class Waits {
  /** Time between probes. */
  public static final Duration POLL = Duration.ofMillis(100);

  private Waits() {}

  public static <T> T until(String what, Duration timeout, Callable<T> probe) {
    return until(what, timeout, probe, () -> null);
  }

  /**
   * Like {@link #until(String, Duration, Callable)}, but gives up at once when {@code abortReason}
   * returns non-null (e.g. "process exited with code 1").
   */
  public static <T> T until(String what, Duration timeout, Callable<T> probe,
      Supplier<String> abortReason) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Throwable lastError = null;
    while (true) {
      try {
        T value = probe.call();
        if (value != null) {
          return value;
        }
        lastError = null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      } catch (Exception | AssertionError e) {
        lastError = e;
      }
      String abort = abortReason.get();
      if (abort != null) {
        throw new AssertionError("gave up waiting for " + what + ": " + abort, lastError);
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for "
            + what + (lastError == null ? "" : "; last error: " + lastError), lastError);
      }
      LockSupport.parkNanos(POLL.toNanos());
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, lastError);
      }
    }
  }
}
