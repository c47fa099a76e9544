package io.strata.server.lease;

/** etcd's bounds on lease TTLs. */
public final class LeaseLimits {
  /** The largest TTL a grant accepts, in seconds (etcd's {@code MaxLeaseTTL}, about 285 years). */
  public static final long MAX_TTL_SECONDS = 9_000_000_000L;

  private LeaseLimits() {}

  /**
   * etcd's minimum TTL: one and a half election timeouts, counted in whole heartbeats and rounded
   * up to a second, so that a lease cannot expire during a leader election. A grant asking for
   * less (zero or negative included) gets this. Worked example: heartbeat 100 ms, election 1000 ms
   * gives 10 ticks, 15 ticks = 1.5 s, so 2 s.
   */
  public static long minTtlSeconds(long heartbeatMs, long electionTimeoutMs) {
    long heartbeat = Math.max(1, heartbeatMs);
    long electionTicks = Math.max(1, electionTimeoutMs / heartbeat);
    long minTtlMs = (3 * electionTicks / 2) * heartbeat;
    return Math.max(1, (minTtlMs + 999) / 1000);
  }
}
