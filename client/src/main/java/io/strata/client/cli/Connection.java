package io.strata.client.cli;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractBlockingStub;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.*;
import io.strata.client.Endpoint;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every call stratactl makes to one member: the one seam between the commands and the wire. The
 * commands see etcd's request and response messages and {@link RpcException}s, never gRPC stubs,
 * so moving stratactl onto Strata's client library replaces this class's method bodies and
 * nothing else.
 *
 * <p>Unary calls block and carry a fresh {@code --command-timeout} deadline each; {@link
 * #snapshot} and the streams carry none (they last as long as the user wants). Thread-safe (gRPC
 * channels are); the channel belongs to the {@link Connections} that made it.
 */
final class Connection {

  /** Receives what a stream answers, on a gRPC thread. */
  interface StreamListener<A> {
    void onNext(A answer);

    /** The stream failed; no further calls follow. */
    void onError(RpcException error);

    /** The server ended the stream; no further calls follow. */
    void onCompleted();
  }

  /** The sending side of a stream. Thread-safe. */
  interface Stream<Q> {
    void send(Q request);

    /** Ends the stream from this side (half-close and cancel). */
    void close();
  }

  /** A downgrade answer, and the storage plan a Strata server attached to a VALIDATE. */
  record DowngradeAnswer(DowngradeResponse response, List<String> plan) {}

  private final Endpoint endpoint;
  private final Channel channel;
  private final Duration commandTimeout;

  Connection(Endpoint endpoint, Channel channel, Duration commandTimeout) {
    this.endpoint = endpoint;
    this.channel = channel;
    this.commandTimeout = commandTimeout;
  }

  Endpoint endpoint() {
    return endpoint;
  }

  // KV

  RangeResponse range(RangeRequest request) throws RpcException {
    return call(KVGrpc.newBlockingStub(channel), stub -> stub.range(request));
  }

  PutResponse put(PutRequest request) throws RpcException {
    return call(KVGrpc.newBlockingStub(channel), stub -> stub.put(request));
  }

  DeleteRangeResponse deleteRange(DeleteRangeRequest request) throws RpcException {
    return call(KVGrpc.newBlockingStub(channel), stub -> stub.deleteRange(request));
  }

  TxnResponse txn(TxnRequest request) throws RpcException {
    return call(KVGrpc.newBlockingStub(channel), stub -> stub.txn(request));
  }

  CompactionResponse compact(CompactionRequest request) throws RpcException {
    return call(KVGrpc.newBlockingStub(channel), stub -> stub.compact(request));
  }

  // Watch

  /**
   * A watch stream. Like etcd's clients, it asks the member to end the stream if it loses its
   * leader (metadata {@code hasleader: true}), so that a watch does not hang on a partitioned
   * member.
   */
  Stream<WatchRequest> watch(StreamListener<WatchResponse> listener) {
    Metadata requireLeader = new Metadata();
    requireLeader.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
    return stream(
        listener,
        observer ->
            WatchGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(requireLeader))
                .watch(observer));
  }

  // Lease

  LeaseGrantResponse leaseGrant(LeaseGrantRequest request) throws RpcException {
    return call(LeaseGrpc.newBlockingStub(channel), stub -> stub.leaseGrant(request));
  }

  LeaseRevokeResponse leaseRevoke(LeaseRevokeRequest request) throws RpcException {
    return call(LeaseGrpc.newBlockingStub(channel), stub -> stub.leaseRevoke(request));
  }

  LeaseTimeToLiveResponse leaseTimeToLive(LeaseTimeToLiveRequest request) throws RpcException {
    return call(LeaseGrpc.newBlockingStub(channel), stub -> stub.leaseTimeToLive(request));
  }

  LeaseLeasesResponse leaseLeases() throws RpcException {
    return call(
        LeaseGrpc.newBlockingStub(channel),
        stub -> stub.leaseLeases(LeaseLeasesRequest.getDefaultInstance()));
  }

  Stream<LeaseKeepAliveRequest> leaseKeepAlive(StreamListener<LeaseKeepAliveResponse> listener) {
    return stream(listener, observer -> LeaseGrpc.newStub(channel).leaseKeepAlive(observer));
  }

  // Cluster

  MemberListResponse memberList() throws RpcException {
    return call(
        ClusterGrpc.newBlockingStub(channel),
        stub -> stub.memberList(MemberListRequest.getDefaultInstance()));
  }

  MemberAddResponse memberAdd(MemberAddRequest request) throws RpcException {
    return call(ClusterGrpc.newBlockingStub(channel), stub -> stub.memberAdd(request));
  }

  MemberRemoveResponse memberRemove(MemberRemoveRequest request) throws RpcException {
    return call(ClusterGrpc.newBlockingStub(channel), stub -> stub.memberRemove(request));
  }

  MemberUpdateResponse memberUpdate(MemberUpdateRequest request) throws RpcException {
    return call(ClusterGrpc.newBlockingStub(channel), stub -> stub.memberUpdate(request));
  }

  MemberPromoteResponse memberPromote(MemberPromoteRequest request) throws RpcException {
    return call(ClusterGrpc.newBlockingStub(channel), stub -> stub.memberPromote(request));
  }

  // Maintenance

  StatusResponse status() throws RpcException {
    return call(
        MaintenanceGrpc.newBlockingStub(channel),
        stub -> stub.status(StatusRequest.getDefaultInstance()));
  }

  HashKVResponse hashKv(HashKVRequest request) throws RpcException {
    return call(MaintenanceGrpc.newBlockingStub(channel), stub -> stub.hashKV(request));
  }

  AlarmResponse alarm(AlarmRequest request) throws RpcException {
    return call(MaintenanceGrpc.newBlockingStub(channel), stub -> stub.alarm(request));
  }

  DefragmentResponse defragment() throws RpcException {
    return call(
        MaintenanceGrpc.newBlockingStub(channel),
        stub -> stub.defragment(DefragmentRequest.getDefaultInstance()));
  }

  MoveLeaderResponse moveLeader(MoveLeaderRequest request) throws RpcException {
    return call(MaintenanceGrpc.newBlockingStub(channel), stub -> stub.moveLeader(request));
  }

  /**
   * The member's snapshot, chunk by chunk, without a deadline. The iterator blocks for each chunk
   * and throws {@link SnapshotFailure} (unchecked, as iterators must) if the stream fails.
   */
  Iterator<SnapshotResponse> snapshot() {
    Iterator<SnapshotResponse> chunks =
        MaintenanceGrpc.newBlockingStub(channel).snapshot(SnapshotRequest.getDefaultInstance());
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return chunks.hasNext();
        } catch (StatusRuntimeException e) {
          throw new SnapshotFailure(failure(e));
        }
      }

      @Override
      public SnapshotResponse next() {
        try {
          return chunks.next();
        } catch (StatusRuntimeException e) {
          throw new SnapshotFailure(failure(e));
        }
      }
    };
  }

  DowngradeAnswer downgrade(DowngradeRequest request) throws RpcException {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    DowngradeResponse response =
        call(
            MaintenanceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)),
            stub -> stub.downgrade(request));
    List<String> plan =
        request.getAction() == DowngradeRequest.DowngradeAction.VALIDATE
            ? DowngradeCommand.plan(headers.get(), trailers.get())
            : List.of();
    return new DowngradeAnswer(response, plan);
  }

  // Auth

  AuthEnableResponse authEnable() throws RpcException {
    return call(
        AuthGrpc.newBlockingStub(channel),
        stub -> stub.authEnable(AuthEnableRequest.getDefaultInstance()));
  }

  AuthDisableResponse authDisable() throws RpcException {
    return call(
        AuthGrpc.newBlockingStub(channel),
        stub -> stub.authDisable(AuthDisableRequest.getDefaultInstance()));
  }

  AuthUserAddResponse userAdd(AuthUserAddRequest request) throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.userAdd(request));
  }

  AuthUserGetResponse userGet(AuthUserGetRequest request) throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.userGet(request));
  }

  AuthUserListResponse userList() throws RpcException {
    return call(
        AuthGrpc.newBlockingStub(channel),
        stub -> stub.userList(AuthUserListRequest.getDefaultInstance()));
  }

  AuthUserDeleteResponse userDelete(AuthUserDeleteRequest request) throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.userDelete(request));
  }

  AuthUserChangePasswordResponse userChangePassword(AuthUserChangePasswordRequest request)
      throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.userChangePassword(request));
  }

  AuthUserGrantRoleResponse userGrantRole(AuthUserGrantRoleRequest request) throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.userGrantRole(request));
  }

  AuthUserRevokeRoleResponse userRevokeRole(AuthUserRevokeRoleRequest request)
      throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.userRevokeRole(request));
  }

  AuthRoleAddResponse roleAdd(AuthRoleAddRequest request) throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.roleAdd(request));
  }

  AuthRoleGetResponse roleGet(AuthRoleGetRequest request) throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.roleGet(request));
  }

  AuthRoleListResponse roleList() throws RpcException {
    return call(
        AuthGrpc.newBlockingStub(channel),
        stub -> stub.roleList(AuthRoleListRequest.getDefaultInstance()));
  }

  AuthRoleDeleteResponse roleDelete(AuthRoleDeleteRequest request) throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.roleDelete(request));
  }

  AuthRoleGrantPermissionResponse roleGrantPermission(AuthRoleGrantPermissionRequest request)
      throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.roleGrantPermission(request));
  }

  AuthRoleRevokePermissionResponse roleRevokePermission(AuthRoleRevokePermissionRequest request)
      throws RpcException {
    return call(AuthGrpc.newBlockingStub(channel), stub -> stub.roleRevokePermission(request));
  }

  // Plumbing

  /** A snapshot stream that failed part way; carries the message etcdctl would print. */
  static final class SnapshotFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient RpcException cause;

    SnapshotFailure(RpcException cause) {
      super(cause.getMessage(), cause, false, false);
      this.cause = cause;
    }

    RpcException rpcException() {
      return cause;
    }
  }

  private interface Call<S, A> {
    A on(S stub);
  }

  private <S extends AbstractBlockingStub<S>, A> A call(S stub, Call<S, A> call)
      throws RpcException {
    try {
      return call.on(stub.withDeadlineAfter(commandTimeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw failure(e);
    }
  }

  private RpcException failure(StatusRuntimeException e) {
    return new RpcException(RpcErrors.message(e, commandTimeout), e.getStatus().getCode());
  }

  private interface Opener<Q, A> {
    StreamObserver<Q> open(StreamObserver<A> responses);
  }

  private <Q, A> Stream<Q> stream(StreamListener<A> listener, Opener<Q, A> opener) {
    AtomicReference<ClientCallStreamObserver<Q>> call = new AtomicReference<>();
    StreamObserver<Q> requests =
        opener.open(
            new ClientResponseObserver<Q, A>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
                call.set(requestStream);
              }

              @Override
              public void onNext(A answer) {
                listener.onNext(answer);
              }

              @Override
              public void onError(Throwable t) {
                listener.onError(
                    t instanceof StatusRuntimeException e
                        ? failure(e)
                        : new RpcException(t.toString(), io.grpc.Status.Code.UNKNOWN));
              }

              @Override
              public void onCompleted() {
                listener.onCompleted();
              }
            });
    return new Stream<>() {
      @Override
      public synchronized void send(Q request) {
        requests.onNext(request);
      }

      @Override
      public synchronized void close() {
        ClientCallStreamObserver<Q> started = call.get();
        if (started != null) {
          started.cancel("closed by stratactl", null);
        } else {
          requests.onCompleted();
        }
      }
    };
  }
}
