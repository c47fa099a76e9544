package io.strata.server;

import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.ClusterGrpc;
import io.strata.api.etcdserverpb.MemberListRequest;
import io.strata.api.etcdserverpb.MemberListResponse;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.MemberAddRequest;
import io.strata.api.etcdserverpb.MemberAddResponse;
import io.strata.api.etcdserverpb.MemberPromoteRequest;
import io.strata.api.etcdserverpb.MemberPromoteResponse;
import io.strata.api.etcdserverpb.MemberRemoveRequest;
import io.strata.api.etcdserverpb.MemberRemoveResponse;
import io.strata.api.etcdserverpb.MemberUpdateRequest;
import io.strata.api.etcdserverpb.MemberUpdateResponse;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.MemberAdd;
import io.strata.api.raftpb.MemberPromote;
import io.strata.api.raftpb.MemberRemove;
import io.strata.api.raftpb.MemberUpdate;
import io.grpc.StatusRuntimeException;
import io.strata.storage.ReadView;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.concurrent.Executor;

/**
 * etcd's Cluster service. Members live in the replicated store; changes go through Raft and the
 * leader's {@link MembershipReconciler} applies them to jraft's configuration. A linearizable list
 * first passes a read-index barrier. A new member's id derives from its peer URLs and the cluster
 * token, so the member started with {@code --initial-cluster-state existing} knows its own id.
 *
 * <p>Learners (adding one, promoting one) are a 1.1 feature: refused with etcd's "not capable"
 * unless the cluster version allows them, even on a member whose own version would. A member
 * emulating 1.0 never gets here with them: its {@link VersionGate} refuses the 1.1 request first.
 *
 * <p>Threading: gRPC threads, read-index completions on {@code readExecutor}.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final MemberContext member;
  private final LinearizableReads reads;
  private final Executor readExecutor;
  private final Proposer proposer;
  private final String clusterToken;
  private final ApiAuth auth;
  private final Supplier<StrataVersion> capabilities;

  ClusterService(MemberContext member, LinearizableReads reads, Executor readExecutor, Proposer proposer,
      String clusterToken, ApiAuth auth, Supplier<StrataVersion> capabilities) {
    this.auth = auth;
    this.capabilities = capabilities;
    this.member = member;
    this.reads = reads;
    this.readExecutor = readExecutor;
    this.proposer = proposer;
    this.clusterToken = clusterToken;
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> observer) {
    if (request.getIsLearner() && !capabilities.get().supportsLearners()) {
      observer.onError(EtcdErrors.NOT_CAPABLE);
      return;
    }
    if (!validUrls(request.getPeerURLsList())) {
      observer.onError(EtcdErrors.MEMBER_BAD_URLS);
      return;
    }
    Member added = Member.newBuilder()
        .setID(InitialCluster.memberId(request.getPeerURLsList(), clusterToken))
        .addAllPeerURLs(request.getPeerURLsList())
        .setIsLearner(request.getIsLearner())
        .build();
    replicate(Entry.newBuilder().setMemberAdd(MemberAdd.newBuilder().setMember(added)), observer,
        result -> result.getMemberAdd().toBuilder().setHeader(member.header(0)).build());
  }

  @Override
  public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> observer) {
    replicate(Entry.newBuilder().setMemberRemove(MemberRemove.newBuilder().setMemberId(request.getID())), observer,
        result -> result.getMemberRemove().toBuilder().setHeader(member.header(0)).build());
  }

  @Override
  public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> observer) {
    if (!validUrls(request.getPeerURLsList())) {
      observer.onError(EtcdErrors.MEMBER_BAD_URLS);
      return;
    }
    replicate(Entry.newBuilder().setMemberUpdate(MemberUpdate.newBuilder()
            .setMemberId(request.getID()).addAllPeerUrls(request.getPeerURLsList())), observer,
        result -> result.getMemberUpdate().toBuilder().setHeader(member.header(0)).build());
  }

  @Override
  public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> observer) {
    if (!capabilities.get().supportsLearners()) {
      observer.onError(EtcdErrors.NOT_CAPABLE);
      return;
    }
    // The leader refuses a learner that has not caught up (MembershipGuard); apply refuses an
    // unknown member or one that is not a learner.
    replicate(Entry.newBuilder().setMemberPromote(MemberPromote.newBuilder().setMemberId(request.getID())), observer,
        result -> result.getMemberPromote().toBuilder().setHeader(member.header(0)).build());
  }

  private static boolean validUrls(List<String> urls) {
    if (urls.isEmpty()) {
      return false;
    }
    try {
      urls.forEach(InitialCluster::peerAddress);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private <T> void replicate(Entry.Builder command, StreamObserver<T> observer, Function<ApplyResult, T> response) {
    StatusRuntimeException denied = auth.entry(command);
    if (denied != null) {
      observer.onError(denied);
      return;
    }
    Replies.whenApplied(proposer.propose(command), observer, response);
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
    if (!request.getLinearizable()) {
      respond(observer);
      return;
    }
    reads.await().whenCompleteAsync((ready, failure) -> {
      if (failure != null) {
        observer.onError(LinearizableReads.asStatus(failure));
      } else {
        respond(observer);
      }
    }, readExecutor);
  }

  private void respond(StreamObserver<MemberListResponse> observer) {
    // etcd's MemberList header carries no revision.
    try (ReadView view = member.backend().readView()) {
      observer.onNext(MemberListResponse.newBuilder()
          .setHeader(member.header(0))
          .addAllMembers(MembershipApplier.sortedMembers(view))
          .build());
    }
    observer.onCompleted();
  }
}
