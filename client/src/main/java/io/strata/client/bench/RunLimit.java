package io.strata.client.bench;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link LoadRunner} stops issuing requests: after a number of requests, or once a duration
 * has passed since the first one. Immutable.
 */
public sealed interface RunLimit {

  /** Stop after issuing exactly {@code requests} requests. */
  static RunLimit requests(long requests) {
    return new Requests(requests);
  }

  /** Issue requests until {@code duration} has passed; requests in flight then still complete. */
  static RunLimit duration(Duration duration) {
    return new Timed(duration);
  }

  record Requests(long count) implements RunLimit {
    public Requests {
      if (count < 1) {
        throw new IllegalArgumentException("request count must be at least 1: " + count);
      }
    }
  }

  record Timed(Duration duration) implements RunLimit {
    public Timed {
      Objects.requireNonNull(duration, "duration");
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("duration must be positive: " + duration);
      }
    }
  }
}
