package io.strata.client;

import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseLeasesRequest;
import io.strata.api.etcdserverpb.LeaseLeasesResponse;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.LeaseRevokeResponse;
import io.strata.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.strata.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.strata.client.internal.CallKind;
import io.strata.client.internal.Invoker;
import io.strata.client.internal.LeaseKeepAlives;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Lease service, and a keep-alive helper. Grant and revoke carry request ids and are
 * retried as the retry contract allows (see {@link StrataClient}); time-to-live and the lease list
 * are reads. {@link #keepAlive} renews a lease every third of its TTL over one LeaseKeepAlive
 * stream per client, which moves to another member when its member fails.
 *
 * <p>Threading: thread-safe; every method returns at once, futures complete on the client's executor.
 */
public final class LeaseClient {
  private final Invoker invoker;
  private final LeaseKeepAlives keepAlives;

  LeaseClient(Invoker invoker, LeaseKeepAlives keepAlives) {
    this.invoker = invoker;
    this.keepAlives = keepAlives;
  }

  /** Grants a lease of {@code ttlSeconds}; the cluster picks its id. */
  public CompletableFuture<LeaseGrantResponse> grant(long ttlSeconds) {
    return grant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build());
  }

  public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest request) {
    return invoker.call(LeaseGrpc.getLeaseGrantMethod(), request, CallKind.IDEMPOTENT_WRITE);
  }

  /** Revokes a lease, deleting every key attached to it. */
  public CompletableFuture<LeaseRevokeResponse> revoke(long leaseId) {
    return invoker.call(LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder().setID(leaseId).build(),
        CallKind.IDEMPOTENT_WRITE);
  }

  /** The lease's remaining TTL (-1 if it does not exist), and its keys if {@code withKeys}. */
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(long leaseId, boolean withKeys) {
    return invoker.call(LeaseGrpc.getLeaseTimeToLiveMethod(),
        LeaseTimeToLiveRequest.newBuilder().setID(leaseId).setKeys(withKeys).build(), CallKind.READ);
  }

  public CompletableFuture<LeaseLeasesResponse> leases() {
    return invoker.call(LeaseGrpc.getLeaseLeasesMethod(), LeaseLeasesRequest.getDefaultInstance(), CallKind.READ);
  }

  /**
   * Keeps {@code leaseId} alive until the handle is closed, the client is closed, or the cluster
   * answers that the lease is gone ({@link KeepAliveListener#onLost}). While no member answers,
   * the helper keeps trying; it reports a loss only when a member says so.
   */
  public KeepAlive keepAlive(long leaseId, KeepAliveListener listener) {
    return keepAlives.keepAlive(leaseId, listener);
  }
}
