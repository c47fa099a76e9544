package io.strata.deploy;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.strata.api.etcdserverpb.ClusterGrpc;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.MemberAddRequest;
import io.strata.api.etcdserverpb.MemberListRequest;
import io.strata.api.etcdserverpb.MemberRemoveRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The few Cluster API calls the pod bootstrap makes (etcd's v3 {@code Cluster} service), each
 * tried on a list of client endpoints ({@code host:port}) in order until one answers, plaintext
 * or TLS as the credentials say ({@link PodClientTls}). A channel lives for one call: these run a
 * handful of times in a pod's life.
 *
 * <p>Threading: stateless; calls block for at most their timeout per endpoint.
 */
final class ClusterMembers {
  private final Duration timeout;
  private final ChannelCredentials credentials;

  ClusterMembers(Duration timeout, ChannelCredentials credentials) {
    this.timeout = timeout;
    this.credentials = credentials;
  }

  /**
   * The member list from the first endpoint that answers: linearizable if any endpoint can
   * (a quorum agrees), otherwise serializable (a member's local view, which answers without a
   * leader, e.g. while the cluster bootstraps); empty if no endpoint answers at all.
   */
  Optional<PodBootstrap.ClusterView> view(List<String> endpoints) {
    for (boolean linearizable : new boolean[] {true, false}) {
      MemberListRequest request = MemberListRequest.newBuilder().setLinearizable(linearizable).build();
      Optional<List<Member>> members = first(endpoints, stub -> stub.memberList(request).getMembersList());
      if (members.isPresent()) {
        return Optional.of(new PodBootstrap.ClusterView(members.get(), linearizable));
      }
    }
    return Optional.empty();
  }

  /** Adds a voting member with {@code peerUrl}; throws the last endpoint's error if none accepted it. */
  Member add(List<String> endpoints, String peerUrl) {
    MemberAddRequest request = MemberAddRequest.newBuilder().addPeerURLs(peerUrl).build();
    return call(endpoints, stub -> stub.memberAdd(request).getMember());
  }

  /** Removes member {@code id}; throws the last endpoint's error if none removed it. */
  void remove(List<String> endpoints, long id) {
    MemberRemoveRequest request = MemberRemoveRequest.newBuilder().setID(id).build();
    call(endpoints, stub -> stub.memberRemove(request));
  }

  private <T> Optional<T> first(List<String> endpoints, Function<ClusterGrpc.ClusterBlockingStub, T> rpc) {
    try {
      return Optional.of(call(endpoints, rpc));
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
  }

  private <T> T call(List<String> endpoints, Function<ClusterGrpc.ClusterBlockingStub, T> rpc) {
    StatusRuntimeException last = null;
    for (String endpoint : endpoints) {
      ManagedChannel channel = NettyChannelBuilder.forTarget(endpoint, credentials).build();
      try {
        return rpc.apply(ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
      } catch (StatusRuntimeException e) {
        last = e;
      } finally {
        channel.shutdownNow();
      }
    }
    if (last == null) {
      throw new IllegalArgumentException("no endpoint to ask");
    }
    throw last;
  }
}
