package io.strata.server.watch;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.server.MemberContext;
import java.util.function.BooleanSupplier;

/**
 * etcd's Watch service: one bidirectional stream per call, many watchers per stream. Any member
 * serves it; events come from this member's apply path through the {@link WatchHub}.
 *
 * <p>A call whose metadata carries etcd's {@code hasleader: true} (clientv3's
 * {@code WithRequireLeader}, which etcdctl's watch uses) is refused with "etcdserver: no leader"
 * while this member knows no leader, and ended with it after the hub has found no leader for three
 * checks in a row, as etcd's stream interceptor does.
 *
 * <p>Threading: gRPC threads; every stream is a {@link ServerWatchStream}.
 */
public final class WatchService implements WatchGrpc.AsyncService, BindableService {
  /** etcd's {@code rpctypes.MetadataRequireLeaderKey} and its value {@code MetadataHasLeader}. */
  static final Metadata.Key<String> REQUIRE_LEADER_KEY = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Boolean> REQUIRE_LEADER = Context.key("strata-watch-require-leader");

  private final WatchHub hub;

  /** The service of a member: require-leader streams follow {@code member}'s view of the leader. */
  public WatchService(WatchHub hub, MemberContext member) {
    this(hub, () -> member.raft().leader() != null);
  }

  /** Without a leader check: streams are never refused for want of a leader (tests). */
  WatchService(WatchHub hub) {
    this(hub, () -> true);
  }

  WatchService(WatchHub hub, BooleanSupplier hasLeader) {
    this.hub = hub;
    hub.leaderFrom(hasLeader);
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerInterceptors.intercept(WatchGrpc.bindService(this), new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        boolean requireLeader = "true".equals(headers.get(REQUIRE_LEADER_KEY));
        return Contexts.interceptCall(Context.current().withValue(REQUIRE_LEADER, requireLeader), call, headers, next);
      }
    });
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responseObserver) {
    return hub.openStream((ServerCallStreamObserver<WatchResponse>) responseObserver,
        Boolean.TRUE.equals(REQUIRE_LEADER.get()));
  }
}
