package io.strata.server.auth;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.api.authpb.Permission;
import io.strata.api.authpb.Role;
import io.strata.api.authpb.User;
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
import io.strata.api.etcdserverpb.AuthenticateRequest;
import io.strata.api.etcdserverpb.AuthenticateResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Authenticate;
import io.strata.api.raftpb.Entry;
import io.strata.server.EtcdErrors;
import io.strata.server.LinearizableReads;
import io.strata.server.MemberContext;
import io.strata.server.Proposer;
import io.strata.server.Replies;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * etcd's Auth service. Changes go through Raft (passwords hashed here first, so no plain password
 * is ever replicated, stored or logged); reads are served from this member's auth image after a
 * read-index barrier. Administration needs the root role once auth is enabled.
 *
 * <p>Threading: gRPC threads; password hashing and checking (deliberately slow) run on
 * {@code slowExecutor}.
 */
public final class AuthService extends AuthGrpc.AuthImplBase {
  private final MemberContext member;
  private final Proposer proposer;
  private final LinearizableReads reads;
  private final AuthStore store;
  private final PasswordHasher hasher;
  private final Executor slowExecutor;

  public AuthService(MemberContext member, Proposer proposer, LinearizableReads reads, AuthStore store,
      PasswordHasher hasher, Executor slowExecutor) {
    this.member = member;
    this.proposer = proposer;
    this.reads = reads;
    this.store = store;
    this.hasher = hasher;
    this.slowExecutor = slowExecutor;
  }

  @Override
  public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> observer) {
    change(Entry.newBuilder().setAuthEnable(request), observer, ApplyResult::getAuthEnable,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> observer) {
    change(Entry.newBuilder().setAuthDisable(request), observer, ApplyResult::getAuthDisable,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void authStatus(AuthStatusRequest request, StreamObserver<AuthStatusResponse> observer) {
    read(observer, () -> AuthStatusResponse.newBuilder().setHeader(header())
        .setEnabled(store.state().enabled()).setAuthRevision(store.state().revision()).build());
  }

  @Override
  public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> observer) {
    io.grpc.Context context = io.grpc.Context.current();
    slowExecutor.execute(context.wrap(() -> {
      AuthState state = store.state();
      if (!state.enabled()) {
        observer.onError(AuthErrors.AUTH_NOT_ENABLED);
        return;
      }
      User user = state.users().get(request.getName());
      if (user == null || user.getOptions().getNoPassword()
          || !PasswordHasher.verify(request.getPassword(), user.getPassword().toStringUtf8())) {
        observer.onError(AuthErrors.AUTH_FAILED);
        return;
      }
      Entry.Builder entry = Entry.newBuilder().setAuthenticate(Authenticate.newBuilder()
          .setName(request.getName()).setSimpleToken(store.newToken()));
      respond(proposer.proposeInternal(entry), observer, ApplyResult::getAuthenticate,
          r -> r.toBuilder().setHeader(header()).build());
    }));
  }

  @Override
  public void userAdd(AuthUserAddRequest request, StreamObserver<AuthUserAddResponse> observer) {
    if (request.getName().isEmpty()) {
      observer.onError(AuthErrors.USER_EMPTY);
      return;
    }
    withHashedPassword(request.getOptions().getNoPassword() ? null : request.getPassword(), request.getHashedPassword(),
        hash -> change(Entry.newBuilder().setUserAdd(request.toBuilder().clearPassword().setHashedPassword(hash)),
            observer, ApplyResult::getUserAdd, r -> r.toBuilder().setHeader(header()).build()));
  }

  @Override
  public void userChangePassword(AuthUserChangePasswordRequest request,
      StreamObserver<AuthUserChangePasswordResponse> observer) {
    withHashedPassword(request.getPassword(), request.getHashedPassword(),
        hash -> change(Entry.newBuilder().setUserChangePassword(request.toBuilder().clearPassword().setHashedPassword(hash)),
            observer, ApplyResult::getUserChangePassword, r -> r.toBuilder().setHeader(header()).build()));
  }

  /**
   * Hashes {@code password} off the gRPC thread; a client that already sends a hash (etcd 3.5's
   * hashedPassword, or no password at all) is passed through.
   */
  private void withHashedPassword(String password, String hashed, Consumer<String> then) {
    io.grpc.Context context = io.grpc.Context.current();
    if (password == null || (password.isEmpty() && !hashed.isEmpty())) {
      then.accept(password == null ? "" : hashed);
      return;
    }
    slowExecutor.execute(context.wrap(() -> then.accept(hasher.hash(password))));
  }

  @Override
  public void userGet(AuthUserGetRequest request, StreamObserver<AuthUserGetResponse> observer) {
    AuthInfo caller = AuthInfo.current();
    StatusRuntimeException denied = request.getName().equals(caller.user()) ? null
        : Permissions.admin(store.state(), caller.user());
    if (denied != null) {
      observer.onError(denied);
      return;
    }
    read(observer, () -> {
      User user = store.state().users().get(request.getName());
      if (user == null) {
        throw AuthErrors.USER_NOT_FOUND;
      }
      return AuthUserGetResponse.newBuilder().setHeader(header()).addAllRoles(user.getRolesList()).build();
    });
  }

  @Override
  public void userList(AuthUserListRequest request, StreamObserver<AuthUserListResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    read(observer, () -> AuthUserListResponse.newBuilder().setHeader(header())
        .addAllUsers(store.state().users().keySet().stream().sorted().toList()).build());
  }

  @Override
  public void userDelete(AuthUserDeleteRequest request, StreamObserver<AuthUserDeleteResponse> observer) {
    change(Entry.newBuilder().setUserDelete(request), observer, ApplyResult::getUserDelete,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void userGrantRole(AuthUserGrantRoleRequest request, StreamObserver<AuthUserGrantRoleResponse> observer) {
    change(Entry.newBuilder().setUserGrantRole(request), observer, ApplyResult::getUserGrantRole,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void userRevokeRole(AuthUserRevokeRoleRequest request, StreamObserver<AuthUserRevokeRoleResponse> observer) {
    change(Entry.newBuilder().setUserRevokeRole(request), observer, ApplyResult::getUserRevokeRole,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void roleAdd(AuthRoleAddRequest request, StreamObserver<AuthRoleAddResponse> observer) {
    change(Entry.newBuilder().setRoleAdd(request), observer, ApplyResult::getRoleAdd,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void roleGet(AuthRoleGetRequest request, StreamObserver<AuthRoleGetResponse> observer) {
    AuthInfo caller = AuthInfo.current();
    AuthState state = store.state();
    boolean ownRole = state.users().containsKey(caller.user())
        && state.users().get(caller.user()).getRolesList().contains(request.getRole());
    StatusRuntimeException denied = ownRole ? null : Permissions.admin(state, caller.user());
    if (denied != null) {
      observer.onError(denied);
      return;
    }
    read(observer, () -> {
      Role role = store.state().roles().get(request.getRole());
      if (role == null) {
        throw AuthErrors.ROLE_NOT_FOUND;
      }
      AuthRoleGetResponse.Builder response = AuthRoleGetResponse.newBuilder().setHeader(header());
      for (Permission permission : role.getKeyPermissionList()) {
        response.addPerm(permission);
      }
      return response.build();
    });
  }

  @Override
  public void roleList(AuthRoleListRequest request, StreamObserver<AuthRoleListResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    read(observer, () -> AuthRoleListResponse.newBuilder().setHeader(header())
        .addAllRoles(store.state().roles().keySet().stream().sorted().toList()).build());
  }

  @Override
  public void roleDelete(AuthRoleDeleteRequest request, StreamObserver<AuthRoleDeleteResponse> observer) {
    change(Entry.newBuilder().setRoleDelete(request), observer, ApplyResult::getRoleDelete,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void roleGrantPermission(AuthRoleGrantPermissionRequest request,
      StreamObserver<AuthRoleGrantPermissionResponse> observer) {
    change(Entry.newBuilder().setRoleGrantPermission(request), observer, ApplyResult::getRoleGrantPermission,
        r -> r.toBuilder().setHeader(header()).build());
  }

  @Override
  public void roleRevokePermission(AuthRoleRevokePermissionRequest request,
      StreamObserver<AuthRoleRevokePermissionResponse> observer) {
    change(Entry.newBuilder().setRoleRevokePermission(request), observer, ApplyResult::getRoleRevokePermission,
        r -> r.toBuilder().setHeader(header()).build());
  }

  private boolean deniedAdmin(StreamObserver<?> observer) {
    StatusRuntimeException denied = Permissions.admin(store.state(), AuthInfo.current().user());
    if (denied != null) {
      observer.onError(denied);
      return true;
    }
    return false;
  }

  /** Proposes an auth change on behalf of the caller, after the API-level check. */
  private <R> void change(Entry.Builder entry, StreamObserver<R> observer, Function<ApplyResult, R> pick,
      Function<R, R> withHeader) {
    StatusRuntimeException denied = Permissions.check(store.state(), AuthInfo.current().user(), entry.build(),
        leaseId -> java.util.List.of());
    if (denied != null) {
      observer.onError(denied);
      return;
    }
    respond(proposer.propose(entry), observer, pick, withHeader);
  }

  private static <R> void respond(java.util.concurrent.CompletableFuture<ApplyResult> proposal,
      StreamObserver<R> observer, Function<ApplyResult, R> pick, Function<R, R> withHeader) {
    Replies.whenApplied(proposal, observer, result -> withHeader.apply(pick.apply(result)));
  }

  private <R> void read(StreamObserver<R> observer, Supplier<R> answer) {
    reads.await().whenComplete((ready, failure) -> {
      if (failure != null) {
        observer.onError(LinearizableReads.asStatus(failure));
        return;
      }
      try {
        observer.onNext(answer.get());
        observer.onCompleted();
      } catch (StatusRuntimeException e) {
        observer.onError(e);
      }
    });
  }

  private ResponseHeader header() {
    return member.header(0);
  }

  static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
