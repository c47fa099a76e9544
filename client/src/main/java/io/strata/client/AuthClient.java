package io.strata.client;

import io.strata.api.etcdserverpb.AuthDisableRequest;
import io.strata.api.etcdserverpb.AuthDisableResponse;
import io.strata.api.etcdserverpb.AuthEnableRequest;
import io.strata.api.etcdserverpb.AuthEnableResponse;
import io.strata.api.etcdserverpb.AuthGrpc;
import io.strata.api.etcdserverpb.AuthRoleAddRequest;
import io.strata.api.etcdserverpb.AuthRoleAddResponse;
import io.strata.api.etcdserverpb.AuthRoleDeleteRequest;
import io.strata.api.etcdserverpb.AuthRoleDeleteResponse;
import io.strata.api.etcdserverpb.AuthRoleGetRequest;
import io.strata.api.etcdserverpb.AuthRoleGetResponse;
import io.strata.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.strata.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.strata.api.etcdserverpb.AuthRoleListRequest;
import io.strata.api.etcdserverpb.AuthRoleListResponse;
import io.strata.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.strata.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.strata.api.etcdserverpb.AuthStatusRequest;
import io.strata.api.etcdserverpb.AuthStatusResponse;
import io.strata.api.etcdserverpb.AuthUserAddRequest;
import io.strata.api.etcdserverpb.AuthUserAddResponse;
import io.strata.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.strata.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.strata.api.etcdserverpb.AuthUserDeleteRequest;
import io.strata.api.etcdserverpb.AuthUserDeleteResponse;
import io.strata.api.etcdserverpb.AuthUserGetRequest;
import io.strata.api.etcdserverpb.AuthUserGetResponse;
import io.strata.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.strata.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.strata.api.etcdserverpb.AuthUserListRequest;
import io.strata.api.etcdserverpb.AuthUserListResponse;
import io.strata.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.strata.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.strata.client.internal.CallKind;
import io.strata.client.internal.Invoker;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Auth service, for administrators (logging in is the client's job: give the builder a
 * user and password). Gets and lists are reads, retried on another member; every change is sent
 * again only if it never left the client, else it fails with {@link WriteOutcomeUnknownException}.
 *
 * <p>Threading: thread-safe; every method returns at once, futures complete on the client's executor.
 */
public final class AuthClient {
  private final Invoker invoker;

  AuthClient(Invoker invoker) {
    this.invoker = invoker;
  }

  public CompletableFuture<AuthEnableResponse> authEnable() {
    return invoker.call(AuthGrpc.getAuthEnableMethod(), AuthEnableRequest.getDefaultInstance(), CallKind.WRITE);
  }

  public CompletableFuture<AuthDisableResponse> authDisable() {
    return invoker.call(AuthGrpc.getAuthDisableMethod(), AuthDisableRequest.getDefaultInstance(), CallKind.WRITE);
  }

  public CompletableFuture<AuthStatusResponse> authStatus() {
    return invoker.call(AuthGrpc.getAuthStatusMethod(), AuthStatusRequest.getDefaultInstance(), CallKind.READ);
  }

  public CompletableFuture<AuthUserAddResponse> userAdd(AuthUserAddRequest request) {
    return invoker.call(AuthGrpc.getUserAddMethod(), request, CallKind.WRITE);
  }

  public CompletableFuture<AuthUserGetResponse> userGet(String name) {
    return invoker.call(AuthGrpc.getUserGetMethod(), AuthUserGetRequest.newBuilder().setName(name).build(), CallKind.READ);
  }

  public CompletableFuture<AuthUserListResponse> userList() {
    return invoker.call(AuthGrpc.getUserListMethod(), AuthUserListRequest.getDefaultInstance(), CallKind.READ);
  }

  public CompletableFuture<AuthUserDeleteResponse> userDelete(String name) {
    return invoker.call(AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName(name).build(),
        CallKind.WRITE);
  }

  public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(String name, String password) {
    return invoker.call(AuthGrpc.getUserChangePasswordMethod(),
        AuthUserChangePasswordRequest.newBuilder().setName(name).setPassword(password).build(), CallKind.WRITE);
  }

  public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(String user, String role) {
    return invoker.call(AuthGrpc.getUserGrantRoleMethod(),
        AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role).build(), CallKind.WRITE);
  }

  public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(String user, String role) {
    return invoker.call(AuthGrpc.getUserRevokeRoleMethod(),
        AuthUserRevokeRoleRequest.newBuilder().setName(user).setRole(role).build(), CallKind.WRITE);
  }

  public CompletableFuture<AuthRoleAddResponse> roleAdd(String name) {
    return invoker.call(AuthGrpc.getRoleAddMethod(), AuthRoleAddRequest.newBuilder().setName(name).build(),
        CallKind.WRITE);
  }

  public CompletableFuture<AuthRoleGetResponse> roleGet(String name) {
    return invoker.call(AuthGrpc.getRoleGetMethod(), AuthRoleGetRequest.newBuilder().setRole(name).build(),
        CallKind.READ);
  }

  public CompletableFuture<AuthRoleListResponse> roleList() {
    return invoker.call(AuthGrpc.getRoleListMethod(), AuthRoleListRequest.getDefaultInstance(), CallKind.READ);
  }

  public CompletableFuture<AuthRoleDeleteResponse> roleDelete(String name) {
    return invoker.call(AuthGrpc.getRoleDeleteMethod(), AuthRoleDeleteRequest.newBuilder().setRole(name).build(),
        CallKind.WRITE);
  }

  public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(AuthRoleGrantPermissionRequest request) {
    return invoker.call(AuthGrpc.getRoleGrantPermissionMethod(), request, CallKind.WRITE);
  }

  public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(AuthRoleRevokePermissionRequest request) {
    return invoker.call(AuthGrpc.getRoleRevokePermissionMethod(), request, CallKind.WRITE);
  }
}
