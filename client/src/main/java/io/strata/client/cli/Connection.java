package io.strata.client.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.*;
import io.strata.client.DowngradeValidation;
import io.strata.client.Endpoint;
import io.strata.client.KeepAlive;
import io.strata.client.KeepAliveListener;
import io.strata.client.StrataClient;
import io.strata.client.WatchListener;
import io.strata.client.Watcher;
import io.strata.client.WriteOutcomeUnknownException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Every call stratactl makes, through Strata's client library: the one seam between the commands
 * and the wire. The commands see etcd's request and response messages and {@link RpcException}s
 * (whose messages are etcdctl's, {@link RpcErrors}), never the library's futures.
 *
 * <p>Unary calls block until the library answers; its request timeout is {@code
 * --command-timeout}, so each call (with its retries on other endpoints) has that deadline. Calls
 * about one member (status, hashkv, defragment, snapshot) go to {@link #endpoint()}. Watches and
 * keep-alives are the library's, whose listeners run on its threads; {@link #snapshot} has no
 * deadline. Thread-safe (the client is); the client belongs to the {@link Connections} that made
 * it.
 */
final class Connection {

  /** A downgrade answer, and the storage plan a Strata server attached to a VALIDATE. */
  record DowngradeAnswer(DowngradeResponse response, List<String> plan) {}

  private final StrataClient client;
  private final Endpoint endpoint;
  private final Duration commandTimeout;

  Connection(StrataClient client, Endpoint endpoint, Duration commandTimeout) {
    this.client = client;
    this.endpoint = endpoint;
    this.commandTimeout = commandTimeout;
  }

  /** The endpoint this connection dialed; per-member calls go to it. */
  Endpoint endpoint() {
    return endpoint;
  }

  // KV

  RangeResponse range(RangeRequest request) throws RpcException {
    return await(client.kv().range(request));
  }

  PutResponse put(PutRequest request) throws RpcException {
    return await(client.kv().put(request));
  }

  DeleteRangeResponse deleteRange(DeleteRangeRequest request) throws RpcException {
    return await(client.kv().delete(request));
  }

  TxnResponse txn(TxnRequest request) throws RpcException {
    return await(client.kv().txn(request));
  }

  CompactionResponse compact(CompactionRequest request) throws RpcException {
    return await(client.kv().compact(request));
  }

  // Watch

  /**
   * A watch, resumed on another endpoint if its stream fails (the library's). Like etcd's clients,
   * it asks the member to end the stream if it loses its leader.
   */
  Watcher watch(WatchCreateRequest request, WatchListener listener) {
    return client.watch().watch(request, listener);
  }

  // Lease

  LeaseGrantResponse leaseGrant(LeaseGrantRequest request) throws RpcException {
    return await(client.lease().grant(request));
  }

  LeaseRevokeResponse leaseRevoke(LeaseRevokeRequest request) throws RpcException {
    return await(client.lease().revoke(request.getID()));
  }

  LeaseTimeToLiveResponse leaseTimeToLive(LeaseTimeToLiveRequest request) throws RpcException {
    return await(client.lease().timeToLive(request.getID(), request.getKeys()));
  }

  LeaseLeasesResponse leaseLeases() throws RpcException {
    return await(client.lease().leases());
  }

  /** Renews {@code leaseId} at once and then a third of its TTL after each answer (the library's). */
  KeepAlive leaseKeepAlive(long leaseId, KeepAliveListener listener) {
    return client.lease().keepAlive(leaseId, listener);
  }

  // Cluster

  MemberListResponse memberList() throws RpcException {
    return await(client.cluster().memberList());
  }

  MemberAddResponse memberAdd(MemberAddRequest request) throws RpcException {
    return await(client.cluster().memberAdd(request.getPeerURLsList(), request.getIsLearner()));
  }

  MemberRemoveResponse memberRemove(MemberRemoveRequest request) throws RpcException {
    return await(client.cluster().memberRemove(request.getID()));
  }

  MemberUpdateResponse memberUpdate(MemberUpdateRequest request) throws RpcException {
    return await(client.cluster().memberUpdate(request.getID(), request.getPeerURLsList()));
  }

  MemberPromoteResponse memberPromote(MemberPromoteRequest request) throws RpcException {
    return await(client.cluster().memberPromote(request.getID()));
  }

  // Maintenance

  StatusResponse status() throws RpcException {
    return await(client.maintenance().status(endpoint));
  }

  HashKVResponse hashKv(HashKVRequest request) throws RpcException {
    return await(client.maintenance().hashKV(endpoint, request.getRevision()));
  }

  AlarmResponse alarm(AlarmRequest request) throws RpcException {
    return await(client.maintenance().alarm(request));
  }

  DefragmentResponse defragment() throws RpcException {
    return await(client.maintenance().defragment(endpoint));
  }

  MoveLeaderResponse moveLeader(MoveLeaderRequest request) throws RpcException {
    return await(client.maintenance().moveLeader(request.getTargetID()));
  }

  /**
   * Streams the member's snapshot into {@code out} (not closed), without a deadline, and returns
   * the number of bytes. A failure to write {@code out} is thrown as it came.
   */
  long snapshot(OutputStream out) throws RpcException, java.io.IOException {
    try {
      return client.maintenance().snapshot(endpoint, out).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof java.io.IOException written) {
        throw written;
      }
      throw failure(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RpcException("interrupted", Status.Code.CANCELLED);
    }
  }

  DowngradeAnswer downgrade(DowngradeRequest request) throws RpcException {
    if (request.getAction() == DowngradeRequest.DowngradeAction.VALIDATE) {
      DowngradeValidation validation = await(client.maintenance().validateDowngrade(request.getVersion()));
      return new DowngradeAnswer(validation.response(), validation.storagePlan());
    }
    return new DowngradeAnswer(await(client.maintenance().downgrade(request)), List.of());
  }

  // Auth

  AuthEnableResponse authEnable() throws RpcException {
    return await(client.auth().authEnable());
  }

  AuthDisableResponse authDisable() throws RpcException {
    return await(client.auth().authDisable());
  }

  AuthUserAddResponse userAdd(AuthUserAddRequest request) throws RpcException {
    return await(client.auth().userAdd(request));
  }

  AuthUserGetResponse userGet(AuthUserGetRequest request) throws RpcException {
    return await(client.auth().userGet(request.getName()));
  }

  AuthUserListResponse userList() throws RpcException {
    return await(client.auth().userList());
  }

  AuthUserDeleteResponse userDelete(AuthUserDeleteRequest request) throws RpcException {
    return await(client.auth().userDelete(request.getName()));
  }

  AuthUserChangePasswordResponse userChangePassword(AuthUserChangePasswordRequest request)
      throws RpcException {
    return await(client.auth().userChangePassword(request.getName(), request.getPassword()));
  }

  AuthUserGrantRoleResponse userGrantRole(AuthUserGrantRoleRequest request) throws RpcException {
    return await(client.auth().userGrantRole(request.getUser(), request.getRole()));
  }

  AuthUserRevokeRoleResponse userRevokeRole(AuthUserRevokeRoleRequest request)
      throws RpcException {
    return await(client.auth().userRevokeRole(request.getName(), request.getRole()));
  }

  AuthRoleAddResponse roleAdd(AuthRoleAddRequest request) throws RpcException {
    return await(client.auth().roleAdd(request.getName()));
  }

  AuthRoleGetResponse roleGet(AuthRoleGetRequest request) throws RpcException {
    return await(client.auth().roleGet(request.getRole()));
  }

  AuthRoleListResponse roleList() throws RpcException {
    return await(client.auth().roleList());
  }

  AuthRoleDeleteResponse roleDelete(AuthRoleDeleteRequest request) throws RpcException {
    return await(client.auth().roleDelete(request.getRole()));
  }

  AuthRoleGrantPermissionResponse roleGrantPermission(AuthRoleGrantPermissionRequest request)
      throws RpcException {
    return await(client.auth().roleGrantPermission(request));
  }

  AuthRoleRevokePermissionResponse roleRevokePermission(AuthRoleRevokePermissionRequest request)
      throws RpcException {
    return await(client.auth().roleRevokePermission(request));
  }

  // Plumbing

  /** What the library's call answered; its failure as etcdctl would print it. */
  private <A> A await(CompletableFuture<A> call) throws RpcException {
    try {
      return call.get();
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel(false);
      throw new RpcException("interrupted", Status.Code.CANCELLED);
    }
  }

  /**
   * A failed call as an {@link RpcException}. A write whose outcome the library could not settle
   * reports the failure that left it open, which is what etcdctl, with no retries of writes,
   * prints.
   */
  RpcException failure(Throwable failure) {
    Throwable cause = failure;
    if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof WriteOutcomeUnknownException unknown
        && unknown.getCause() instanceof StatusRuntimeException open) {
      cause = open;
    }
    if (cause instanceof StatusRuntimeException e) {
      return new RpcException(RpcErrors.message(e, commandTimeout), e.getStatus().getCode());
    }
    return new RpcException(String.valueOf(cause), Status.Code.UNKNOWN);
  }
}
