package io.strata.client.bench;

import java.util.Arrays;

/**
 * An append-only list of latencies in nanoseconds, as a growable primitive array (a million
 * requests cost 8 MB, not the ~24 MB of boxed {@code Long}s).
 *
 * <p>Not thread-safe: the owner must hand it between threads with a happens-before edge (the
 * {@link LoadRunner} does so through its queue of idle client slots).
 */
final class LatencyLog {

  private static final int INITIAL_CAPACITY = 1024;

  private long[] nanos = new long[INITIAL_CAPACITY];
  private int size;

  void add(long latencyNanos) {
    if (size == nanos.length) {
      nanos = Arrays.copyOf(nanos, Math.multiplyExact(nanos.length, 2));
    }
    nanos[size++] = latencyNanos;
  }

  int size() {
    return size;
  }

  /** Copies the recorded latencies into {@code target} starting at {@code offset}. */
  void copyTo(long[] target, int offset) {
    System.arraycopy(nanos, 0, target, offset, size);
  }
}
