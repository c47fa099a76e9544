package io.strata.server.lease;

import com.google.protobuf.Message;
import io.grpc.StatusRuntimeException;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.peerpb.LeaseRenewRequest;
import io.strata.api.peerpb.LeaseRenewResponse;
import io.strata.api.peerpb.LeaseTimeToLivePeerRequest;
import io.strata.api.peerpb.LeaseTimeToLivePeerResponse;
import io.strata.server.EtcdErrors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Gets lease renewals and TTL queries answered by the leader's lessor from any member: served
 * locally when this member's lessor is the primary, otherwise forwarded over the peer port to the
 * member Raft names as leader (etcd forwards keep-alives and TimeToLive to the leader the same
 * way). Both are idempotent, so a request is simply asked again, of whoever leads then, when the
 * member asked is not (or not yet) the primary, no leader is known, or the call failed; until the
 * request timeout, after which it fails with etcd's "request timed out" (or "no leader").
 *
 * <p>Threading: thread-safe, non-blocking; futures complete on transport, timer or pool threads.
 */
public final class LeaderLeases {
  static final long RETRY_DELAY_MS = 50;

  private final Lessor lessor;
  private final PeerRoute route;
  private final ScheduledExecutorService timer;
  private final long timeoutMs;

  public LeaderLeases(Lessor lessor, PeerRoute route, ScheduledExecutorService timer, long timeoutMs) {
    this.lessor = lessor;
    this.route = route;
    this.timer = timer;
    this.timeoutMs = timeoutMs;
  }

  /** Renews a lease on the leader: status OK with the granted TTL, or NOT_FOUND. */
  public CompletableFuture<LeaseRenewResponse> renew(long id) {
    return routed(() -> lessor.renew(id), LeaseRenewRequest.newBuilder().setId(id).build(),
        LeaseRenewResponse::getStatus);
  }

  /** A lease's remaining TTL as the leader sees it: status OK, or NOT_FOUND. */
  public CompletableFuture<LeaseTimeToLivePeerResponse> timeToLive(long id, boolean keys) {
    return routed(() -> CompletableFuture.completedFuture(lessor.timeToLive(id, keys)),
        LeaseTimeToLivePeerRequest.newBuilder().setId(id).setKeys(keys).build(),
        LeaseTimeToLivePeerResponse::getStatus);
  }

  /** Serves a follower's forwarded renewal (peer RPC handler). */
  public void serveRenew(LeaseRenewRequest request, CompletableFuture<LeaseRenewResponse> reply) {
    lessor.renew(request.getId()).whenComplete((response, failure) -> reply.complete(failure == null
        ? response : LeaseRenewResponse.newBuilder().setStatus(LeasePeerStatus.LEASE_NOT_LEADER).build()));
  }

  /** Serves a follower's forwarded TTL query (peer RPC handler). */
  public void serveTimeToLive(LeaseTimeToLivePeerRequest request,
      CompletableFuture<LeaseTimeToLivePeerResponse> reply) {
    reply.complete(lessor.timeToLive(request.getId(), request.getKeys()));
  }

  private <R extends Message> CompletableFuture<R> routed(Supplier<CompletableFuture<R>> local,
      Message forward, Function<R, LeasePeerStatus> status) {
    Attempts<R> attempts = new Attempts<>(local, forward, status);
    // orTimeout's timer task is dropped as soon as the request is answered.
    CompletableFuture<R> answer = attempts.result.orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .exceptionally(failure -> {
          throw unwrap(failure) instanceof TimeoutException ? attempts.timedOut() : asStatus(failure);
        });
    attempts.run();
    return answer;
  }

  /** The etcd error a routed request failed with. */
  static StatusRuntimeException asStatus(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause instanceof StatusRuntimeException status ? status : EtcdErrors.TIMEOUT;
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** The attempts of one request, until one is answered or the timeout expires. */
  private final class Attempts<R extends Message> implements Runnable {
    final CompletableFuture<R> result = new CompletableFuture<>();
    private final Supplier<CompletableFuture<R>> local;
    private final Message forward;
    private final Function<R, LeasePeerStatus> status;
    private volatile boolean sawLeader;

    Attempts(Supplier<CompletableFuture<R>> local, Message forward, Function<R, LeasePeerStatus> status) {
      this.local = local;
      this.forward = forward;
      this.status = status;
    }

    @Override
    public void run() {
      if (result.isDone()) {
        return;
      }
      if (lessor.isPrimary()) {
        sawLeader = true;
        local.get().whenComplete(this::answered);
        return;
      }
      String leader = route.leader();
      if (leader == null || leader.equals(route.self())) {
        // No leader, or this member won the election but has not finished taking over yet.
        sawLeader |= leader != null;
        retryLater();
        return;
      }
      sawLeader = true;
      route.<R>call(leader, forward, timeoutMs).whenComplete(this::answered);
    }

    private void answered(R response, Throwable failure) {
      if (failure != null || status.apply(response) == LeasePeerStatus.LEASE_NOT_LEADER) {
        retryLater();
      } else {
        result.complete(response);
      }
    }

    private void retryLater() {
      if (result.isDone()) {
        return;
      }
      try {
        timer.schedule(this, RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        result.completeExceptionally(EtcdErrors.STOPPED);
      }
    }

    StatusRuntimeException timedOut() {
      return sawLeader ? EtcdErrors.TIMEOUT : EtcdErrors.NO_LEADER;
    }
  }
}
