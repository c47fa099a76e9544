package io.strata.client;

import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;

/**
 * Hears about one {@link KeepAlive}. Calls come one at a time, in order, never on a gRPC network
 * thread; do not block for long in them.
 */
public interface KeepAliveListener {
  /** The cluster renewed the lease: its TTL starts again from {@code response.getTTL()} seconds. */
  default void onKeepAlive(LeaseKeepAliveResponse response) { }

  /**
   * The cluster answered that the lease no longer exists (TTL 0: it expired or was revoked). No
   * call follows; the keep-alive has stopped.
   */
  default void onLost(long leaseId) { }
}
