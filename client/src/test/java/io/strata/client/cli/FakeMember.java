package io.strata.client.cli;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.AuthGrpc;
import io.strata.api.etcdserverpb.AuthenticateRequest;
import io.strata.api.etcdserverpb.AuthenticateResponse;
import io.strata.api.etcdserverpb.ClusterGrpc;
import io.strata.api.etcdserverpb.DowngradeInfo;
import io.strata.api.etcdserverpb.DowngradeRequest;
import io.strata.api.etcdserverpb.DowngradeResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.MaintenanceGrpc;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.MemberListRequest;
import io.strata.api.etcdserverpb.MemberListResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.StatusRequest;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.client.DowngradeValidation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake cluster member for CLI tests: a loopback gRPC server with etcd's Maintenance (Status,
 * Downgrade), Cluster (MemberList), KV (Range) and Auth (Authenticate) services answering what the
 * test set.
 * Thread-safe: the knobs are volatile and set before the command runs; the records are
 * synchronized lists.
 */
final class FakeMember implements AutoCloseable {

  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> PLAN_KEY =
      Metadata.Key.of(DowngradeValidation.PLAN_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  final long id;
  private final Server server;
  private final String endpoint;

  /** What Status answers (the header's member id is filled in). */
  volatile StatusResponse status = StatusResponse.getDefaultInstance();
  /** What Downgrade answers, unless {@link #downgradeError} is set. */
  volatile DowngradeResponse downgradeAnswer = DowngradeResponse.getDefaultInstance();
  volatile Status downgradeError;
  /** Values of strata-downgrade-plan sent as response headers / trailers of Downgrade. */
  volatile List<String> planHeaders = List.of();
  volatile List<String> planTrailers = List.of();
  /** Downgrade never answers (to test --command-timeout). */
  volatile boolean neverAnswer;
  /** What MemberList answers. */
  volatile List<Member> members = List.of();
  /** What Range answers, unless {@link #rangeError} is set. */
  volatile RangeResponse rangeAnswer = RangeResponse.getDefaultInstance();
  volatile Status rangeError;
  final List<RangeRequest> rangeRequests = Collections.synchronizedList(new ArrayList<>());
  /** The one user Authenticate accepts, as "name:password"; null: every login fails. */
  volatile String acceptedLogin;

  final List<DowngradeRequest> downgradeRequests = Collections.synchronizedList(new ArrayList<>());
  final List<String> tokensSeen = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger statusCalls = new AtomicInteger();
  final AtomicInteger memberListCalls = new AtomicInteger();

  FakeMember(long id) throws IOException {
    this.id = id;
    ServerInterceptor tokens =
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            String token = headers.get(TOKEN);
            if (token != null) {
              tokensSeen.add(call.getMethodDescriptor().getBareMethodName() + "=" + token);
            }
            return next.startCall(new PlanSendingCall<>(call), headers);
          }
        };
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(ServerInterceptors.intercept(new Maintenance(), tokens))
            .addService(new ClusterService())
            .addService(new Kv())
            .addService(new Auth())
            .build()
            .start();
    endpoint = "127.0.0.1:" + server.getPort();
  }

  String endpoint() {
    return endpoint;
  }

  String clientUrl() {
    return "http://" + endpoint();
  }

  Member asMember() {
    return Member.newBuilder().setID(id).setName("m" + id).addClientURLs(clientUrl()).build();
  }

  /** Status reports these versions and downgrade info; {@code state} is Strata's field 1000. */
  FakeMember reports(
      String serverVersion, String storageVersion, boolean enabled, String target, String state,
      long leader) {
    status =
        StatusResponse.newBuilder()
            .setVersion(serverVersion)
            .setStorageVersion(storageVersion)
            .setDowngradeInfo(DowngradeInfo.newBuilder().setEnabled(enabled).setTargetVersion(target))
            .setDowngradeState(state)
            .setLeader(leader)
            .build();
    return this;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class Maintenance extends MaintenanceGrpc.MaintenanceImplBase {
    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
      statusCalls.incrementAndGet();
      observer.onNext(
          status.toBuilder().setHeader(ResponseHeader.newBuilder().setMemberId(id)).build());
      observer.onCompleted();
    }

    @Override
    public void downgrade(DowngradeRequest request, StreamObserver<DowngradeResponse> observer) {
      downgradeRequests.add(request);
      if (neverAnswer) {
        return;
      }
      Status error = downgradeError;
      if (error != null) {
        observer.onError(error.asRuntimeException());
        return;
      }
      observer.onNext(downgradeAnswer);
      observer.onCompleted();
    }
  }

  private final class Kv extends KVGrpc.KVImplBase {
    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
      rangeRequests.add(request);
      Status error = rangeError;
      if (error != null) {
        observer.onError(error.asRuntimeException());
        return;
      }
      observer.onNext(rangeAnswer);
      observer.onCompleted();
    }
  }

  private final class ClusterService extends ClusterGrpc.ClusterImplBase {
    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
      memberListCalls.incrementAndGet();
      observer.onNext(MemberListResponse.newBuilder().addAllMembers(members).build());
      observer.onCompleted();
    }
  }

  private final class Auth extends AuthGrpc.AuthImplBase {
    @Override
    public void authenticate(
        AuthenticateRequest request, StreamObserver<AuthenticateResponse> observer) {
      if (!(request.getName() + ":" + request.getPassword()).equals(acceptedLogin)) {
        observer.onError(
            Status.INVALID_ARGUMENT
                .withDescription("etcdserver: authentication failed, invalid user ID or password")
                .asRuntimeException());
        return;
      }
      observer.onNext(AuthenticateResponse.newBuilder().setToken("token-of-" + request.getName()).build());
      observer.onCompleted();
    }
  }

  /** Adds the plan metadata the test set to the headers and trailers of Downgrade calls. */
  private final class PlanSendingCall<Q, A> extends SimpleForwardingServerCall<Q, A> {
    PlanSendingCall(ServerCall<Q, A> call) {
      super(call);
    }

    private boolean isDowngrade() {
      return getMethodDescriptor().getBareMethodName().equals("Downgrade");
    }

    @Override
    public void sendHeaders(Metadata headers) {
      if (isDowngrade()) {
        planHeaders.forEach(line -> headers.put(PLAN_KEY, line));
      }
      super.sendHeaders(headers);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (isDowngrade()) {
        planTrailers.forEach(line -> trailers.put(PLAN_KEY, line));
      }
      super.close(status, trailers);
    }
  }
}
