package io.strata.client;

import io.strata.api.etcdserverpb.ClusterGrpc;
import io.strata.api.etcdserverpb.MemberAddRequest;
import io.strata.api.etcdserverpb.MemberAddResponse;
import io.strata.api.etcdserverpb.MemberListRequest;
import io.strata.api.etcdserverpb.MemberListResponse;
import io.strata.api.etcdserverpb.MemberPromoteRequest;
import io.strata.api.etcdserverpb.MemberPromoteResponse;
import io.strata.api.etcdserverpb.MemberRemoveRequest;
import io.strata.api.etcdserverpb.MemberRemoveResponse;
import io.strata.api.etcdserverpb.MemberUpdateRequest;
import io.strata.api.etcdserverpb.MemberUpdateResponse;
import io.strata.client.internal.CallKind;
import io.strata.client.internal.Invoker;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Cluster service. The member list is a read (retried on another member); a membership
 * change is sent again only if it never left the client, else it fails with
 * {@link WriteOutcomeUnknownException} (check the member list).
 *
 * <p>Threading: thread-safe; every method returns at once, futures complete on the client's executor.
 */
public final class ClusterClient {
  private final Invoker invoker;

  ClusterClient(Invoker invoker) {
    this.invoker = invoker;
  }

  /** The members, as the answering member knows them. */
  public CompletableFuture<MemberListResponse> memberList() {
    return memberList(MemberListRequest.getDefaultInstance());
  }

  /** The members; {@code linearizable} makes the member confirm its view with the leader first. */
  public CompletableFuture<MemberListResponse> memberList(MemberListRequest request) {
    return invoker.call(ClusterGrpc.getMemberListMethod(), request, CallKind.READ);
  }

  public CompletableFuture<MemberAddResponse> memberAdd(List<String> peerUrls, boolean learner) {
    return invoker.call(ClusterGrpc.getMemberAddMethod(),
        MemberAddRequest.newBuilder().addAllPeerURLs(peerUrls).setIsLearner(learner).build(), CallKind.WRITE);
  }

  public CompletableFuture<MemberRemoveResponse> memberRemove(long memberId) {
    return invoker.call(ClusterGrpc.getMemberRemoveMethod(),
        MemberRemoveRequest.newBuilder().setID(memberId).build(), CallKind.WRITE);
  }

  public CompletableFuture<MemberUpdateResponse> memberUpdate(long memberId, List<String> peerUrls) {
    return invoker.call(ClusterGrpc.getMemberUpdateMethod(),
        MemberUpdateRequest.newBuilder().setID(memberId).addAllPeerURLs(peerUrls).build(), CallKind.WRITE);
  }

  public CompletableFuture<MemberPromoteResponse> memberPromote(long memberId) {
    return invoker.call(ClusterGrpc.getMemberPromoteMethod(),
        MemberPromoteRequest.newBuilder().setID(memberId).build(), CallKind.WRITE);
  }
}
