package io.strata.client.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * When each kept-alive lease is due for its next keep-alive request. A lease is due at once when
 * added (or when the stream was re-opened), then a third of its TTL after each answer, as etcd's
 * clients do. A request that got no answer is sent again after {@link #resendAfterNanos} (the
 * stream may have lost it). Times are nano times from the caller's clock.
 *
 * <p>Threading: not thread-safe; the keep-alive stream's serial executor owns it.
 */
public final class KeepAliveSchedule {
  /** What an answer meant. */
  public enum Answer {
    /** The lease lives on; its next keep-alive is scheduled. */
    RENEWED,
    /** TTL &lt;= 0: the lease is gone (expired or revoked); it left the schedule. */
    LOST,
    /** Not a lease of this schedule (closed meanwhile): ignore. */
    UNKNOWN
  }

  private final long resendAfterNanos;
  /** Lease id to the nano time its next keep-alive is due. */
  private final Map<Long, Long> due = new HashMap<>();

  public KeepAliveSchedule(long resendAfterNanos) {
    this.resendAfterNanos = resendAfterNanos;
  }

  public void add(long leaseId, long now) {
    due.put(leaseId, now);
  }

  public void remove(long leaseId) {
    due.remove(leaseId);
  }

  public boolean isEmpty() {
    return due.isEmpty();
  }

  public boolean contains(long leaseId) {
    return due.containsKey(leaseId);
  }

  /** An answer for {@code leaseId} with {@code ttlSeconds}, received at {@code now}. */
  public Answer answered(long leaseId, long ttlSeconds, long now) {
    if (!due.containsKey(leaseId)) {
      return Answer.UNKNOWN;
    }
    if (ttlSeconds <= 0) {
      due.remove(leaseId);
      return Answer.LOST;
    }
    due.put(leaseId, now + ttlSeconds * 1_000_000_000L / 3);
    return Answer.RENEWED;
  }

  /** The leases due at {@code now}, in no particular order; each is next due {@link #resendAfterNanos} later. */
  public List<Long> takeDue(long now) {
    List<Long> ids = new ArrayList<>();
    for (Map.Entry<Long, Long> entry : due.entrySet()) {
      if (entry.getValue() - now <= 0) {
        ids.add(entry.getKey());
        entry.setValue(now + resendAfterNanos);
      }
    }
    return ids;
  }

  /** Every lease is due at {@code now} (a new stream has none of the old one's requests). */
  public void allDue(long now) {
    due.replaceAll((id, time) -> now);
  }

  /** Nanos from {@code now} until the next lease is due (0 if one is due); -1 when there is none. */
  public long nanosUntilNext(long now) {
    long soonest = -1;
    for (long time : due.values()) {
      long wait = Math.max(0, time - now);
      if (soonest < 0 || wait < soonest) {
        soonest = wait;
      }
    }
    return soonest;
  }
}
