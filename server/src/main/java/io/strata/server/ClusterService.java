package io.strata.server;

import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.ClusterGrpc;
import io.strata.api.etcdserverpb.MemberListRequest;
import io.strata.api.etcdserverpb.MemberListResponse;
import io.strata.storage.ReadView;
import java.util.concurrent.Executor;

/**
 * etcd's Cluster service. Members live in the replicated store; a linearizable list first passes a
 * read-index barrier.
 *
 * <p>Threading: gRPC threads, read-index completions on {@code readExecutor}.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final MemberContext member;
  private final LinearizableReads reads;
  private final Executor readExecutor;

  ClusterService(MemberContext member, LinearizableReads reads, Executor readExecutor) {
    this.member = member;
    this.reads = reads;
    this.readExecutor = readExecutor;
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
          .addAllMembers(view.members())
          .build());
    }
    observer.onCompleted();
  }
}
