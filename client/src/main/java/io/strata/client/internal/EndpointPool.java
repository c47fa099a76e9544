package io.strata.client.internal;

import io.strata.client.Endpoint;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The endpoints of a client and which of them failed recently. {@link #next()} hands them out in
 * turn (round robin), skipping an endpoint for {@code quarantine} after it {@link #failed}; when
 * every endpoint is in quarantine it hands out the one whose quarantine ends first, and
 * {@link #waitBefore} says how long to wait before using it.
 *
 * <p>Threading: thread-safe (every method takes the monitor, none blocks). Time comes from the
 * injected nano clock.
 */
public final class EndpointPool {
  private final List<Endpoint> endpoints;
  private final LongSupplier nanoClock;
  private final long quarantineNanos;
  /** Per endpoint: the nano time its quarantine ends; Long.MIN_VALUE when it is not in one. */
  private final long[] quarantinedUntil;
  private int nextIndex;

  public EndpointPool(List<Endpoint> endpoints, LongSupplier nanoClock, Duration quarantine) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    this.endpoints = List.copyOf(endpoints);
    this.nanoClock = nanoClock;
    this.quarantineNanos = quarantine.toNanos();
    this.quarantinedUntil = new long[endpoints.size()];
    Arrays.fill(quarantinedUntil, Long.MIN_VALUE);
  }

  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** The next endpoint to use: the next one in turn that is not in quarantine, else the one freed first. */
  public synchronized Endpoint next() {
    long now = nanoClock.getAsLong();
    int size = endpoints.size();
    int soonest = -1;
    for (int i = 0; i < size; i++) {
      int candidate = (nextIndex + i) % size;
      if (quarantinedUntil[candidate] == Long.MIN_VALUE || quarantinedUntil[candidate] - now <= 0) {
        nextIndex = (candidate + 1) % size;
        return endpoints.get(candidate);
      }
      if (soonest < 0 || quarantinedUntil[candidate] - quarantinedUntil[soonest] < 0) {
        soonest = candidate;
      }
    }
    nextIndex = (soonest + 1) % size;
    return endpoints.get(soonest);
  }

  /** How long to wait before calling {@code endpoint}: the rest of its quarantine, or zero. */
  public synchronized Duration waitBefore(Endpoint endpoint) {
    int index = indexOf(endpoint);
    if (index < 0 || quarantinedUntil[index] == Long.MIN_VALUE) {
      return Duration.ZERO;
    }
    long remaining = quarantinedUntil[index] - nanoClock.getAsLong();
    return remaining <= 0 ? Duration.ZERO : Duration.ofNanos(remaining);
  }

  /** {@code endpoint} failed (did not connect, or its member could not serve): skip it for a while. */
  public synchronized void failed(Endpoint endpoint) {
    int index = indexOf(endpoint);
    if (index >= 0) {
      quarantinedUntil[index] = nanoClock.getAsLong() + quarantineNanos;
    }
  }

  /** {@code endpoint} answered: it leaves quarantine. */
  public synchronized void succeeded(Endpoint endpoint) {
    int index = indexOf(endpoint);
    if (index >= 0) {
      quarantinedUntil[index] = Long.MIN_VALUE;
    }
  }

  private int indexOf(Endpoint endpoint) {
    return endpoints.indexOf(endpoint);
  }
}
