package io.strata.server.lease;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.LeaseLeasesRequest;
import io.strata.api.etcdserverpb.LeaseLeasesResponse;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.LeaseRevokeResponse;
import io.strata.api.etcdserverpb.LeaseStatus;
import io.strata.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.strata.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.raftpb.Entry;
import io.strata.server.EtcdErrors;
import io.strata.server.MemberContext;
import io.strata.server.Proposer;
import io.strata.server.Replies;
import io.strata.storage.ReadView;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Lease service, on every member.
 *
 * <ul>
 *   <li>LeaseGrant and LeaseRevoke go through Raft ({@link Proposer}). For a grant this member
 *       first picks the id when the client sent 0 and raises the TTL to the minimum, so apply only
 *       records what the entry says.</li>
 *   <li>LeaseKeepAlive and LeaseTimeToLive are answered by the leader's lessor
 *       ({@link LeaderLeases}). A keep-alive stream ({@link KeepAliveStream}) handles one request
 *       at a time, in order; each response carries the header taken before the renewal (as etcd
 *       does, so its revision is never newer than the renewal) and TTL 0 for a lease that does not
 *       exist.</li>
 *   <li>LeaseTimeToLive for a missing lease answers TTL -1 with granted TTL 0 (etcd); LeaseLeases
 *       answers from this member's table.</li>
 * </ul>
 *
 * <p>Threading: gRPC threads; completions run on Raft, transport or timer threads and touch only
 * the response observer (one response at a time per call).
 */
public final class LeaseService extends LeaseGrpc.LeaseImplBase {
  /** How often a grant with a picked id is retried when the id happens to be in use. */
  private static final int GRANT_ATTEMPTS = 3;

  private final MemberContext member;
  private final Proposer proposer;
  private final LeaderLeases leader;
  private final Lessor lessor;
  private final LeaseIds ids;
  private final long minTtlSeconds;

  public LeaseService(MemberContext member, Proposer proposer, LeaderLeases leader, Lessor lessor,
      LeaseIds ids, long minTtlSeconds) {
    this.member = member;
    this.proposer = proposer;
    this.leader = leader;
    this.lessor = lessor;
    this.ids = ids;
    this.minTtlSeconds = minTtlSeconds;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> observer) {
    grant(request, request.getID() == 0, GRANT_ATTEMPTS, observer);
  }

  private void grant(LeaseGrantRequest request, boolean pickId, int attempts,
      StreamObserver<LeaseGrantResponse> observer) {
    LeaseGrantRequest proposed = request.toBuilder()
        .setID(pickId ? ids.next() : request.getID())
        .setTTL(Math.max(request.getTTL(), minTtlSeconds))
        .build();
    // The proposer reads the caller's identity from the gRPC context: a retry runs in the same one.
    Context caller = Context.current();
    proposer.propose(Entry.newBuilder().setLeaseGrant(proposed)).whenComplete((result, failure) -> {
      if (pickId && attempts > 1 && failure == null && isError(result, LeaseErrors.EXISTS)) {
        caller.run(() -> grant(request, true, attempts - 1, observer));
        return;
      }
      if (respondWithError(result, failure, observer)) {
        return;
      }
      LeaseGrantResponse response = result.getLeaseGrant();
      observer.onNext(response.toBuilder().setHeader(member.fill(response.getHeader())).build());
      observer.onCompleted();
    });
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> observer) {
    Replies.whenApplied(proposer.propose(Entry.newBuilder().setLeaseRevoke(request)), observer,
        result -> result.getLeaseRevoke().toBuilder().setHeader(member.fill(result.getLeaseRevoke().getHeader())).build());
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest request,
      StreamObserver<LeaseTimeToLiveResponse> observer) {
    ResponseHeader header = localHeader();
    leader.timeToLive(request.getID(), request.getKeys()).whenComplete((answer, failure) -> {
      if (failure != null) {
        observer.onError(LeaderLeases.asStatus(failure));
        return;
      }
      LeaseTimeToLiveResponse.Builder response = LeaseTimeToLiveResponse.newBuilder()
          .setHeader(header)
          .setID(request.getID());
      if (answer.getStatus() == LeasePeerStatus.LEASE_NOT_FOUND) {
        response.setTTL(-1);
      } else {
        response.setTTL(answer.getRemainingTtl())
            .setGrantedTTL(answer.getGrantedTtl())
            .addAllKeys(answer.getKeysList());
      }
      observer.onNext(response.build());
      observer.onCompleted();
    });
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> observer) {
    LeaseLeasesResponse.Builder response = LeaseLeasesResponse.newBuilder().setHeader(localHeader());
    for (long id : lessor.ids()) {
      response.addLeases(LeaseStatus.newBuilder().setID(id));
    }
    observer.onNext(response.build());
    observer.onCompleted();
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> responses) {
    return KeepAliveStream.open((ServerCallStreamObserver<LeaseKeepAliveResponse>) responses, this::localHeader,
        leader::renew);
  }

  private ResponseHeader localHeader() {
    try (ReadView view = member.backend().readView()) {
      return member.header(view.currentRevision());
    }
  }

  private static boolean isError(ApplyResult result, StatusRuntimeException error) {
    return result.hasError()
        && result.getError().getMessage().equals(error.getStatus().getDescription());
  }

  /** Sends the error of a failed proposal; false when there is none. */
  private static boolean respondWithError(ApplyResult result, Throwable failure,
      StreamObserver<?> observer) {
    if (failure != null) {
      observer.onError(EtcdErrors.TIMEOUT);
      return true;
    }
    if (result.hasError()) {
      observer.onError(EtcdErrors.fromRpcError(result.getError()));
      return true;
    }
    return false;
  }
}
