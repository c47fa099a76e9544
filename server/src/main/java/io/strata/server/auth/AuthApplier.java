package io.strata.server.auth;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.strata.api.authpb.Permission;
import io.strata.api.authpb.Role;
import io.strata.api.authpb.User;
import io.strata.api.authpb.UserAddOptions;
import io.strata.api.etcdserverpb.AuthDisableResponse;
import io.strata.api.etcdserverpb.AuthEnableResponse;
import io.strata.api.etcdserverpb.AuthRoleAddResponse;
import io.strata.api.etcdserverpb.AuthRoleDeleteResponse;
import io.strata.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.strata.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.strata.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.strata.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.strata.api.etcdserverpb.AuthUserAddRequest;
import io.strata.api.etcdserverpb.AuthUserAddResponse;
import io.strata.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.strata.api.etcdserverpb.AuthUserDeleteResponse;
import io.strata.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.strata.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.strata.api.etcdserverpb.AuthenticateResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.server.CommandApplier;
import io.strata.server.CommitListener;
import io.strata.server.EtcdErrors;
import io.strata.storage.AuthRecords;
import io.strata.storage.MetaKey;
import io.strata.storage.StoreBatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Applies auth changes with etcd's rules: every change to users, roles or the enabled flag bumps
 * the auth revision; the root user cannot be deleted, nor lose the root role, while auth is
 * enabled; enabling needs a root user holding the root role (which exists implicitly).
 *
 * <p>Threading: apply thread. The in-memory image is updated as each entry applies, so later
 * entries of the same batch see it.
 */
public final class AuthApplier implements CommandApplier, CommitListener {
  private final AuthStore store;

  public AuthApplier(AuthStore store) {
    this.store = store;
  }

  @Override
  public ApplyResult apply(Entry entry, long index, StoreBatch batch) {
    AuthState state = store.state();
    ResponseHeader header = ResponseHeader.getDefaultInstance();
    ApplyResult.Builder result = ApplyResult.newBuilder();
    switch (entry.getCommandCase()) {
      case AUTH_ENABLE -> {
        if (!state.enabled()) {
          if (!state.users().containsKey(AuthState.ROOT)) {
            return error(AuthErrors.ROOT_USER_NOT_EXIST);
          }
          if (!state.hasRootRole(AuthState.ROOT)) {
            return error(AuthErrors.ROOT_ROLE_NOT_EXIST);
          }
          commit(batch, state.withEnabled(true));
        }
        result.setAuthEnable(AuthEnableResponse.newBuilder().setHeader(header));
      }
      case AUTH_DISABLE -> {
        commit(batch, state.withEnabled(false));
        result.setAuthDisable(AuthDisableResponse.newBuilder().setHeader(header));
      }
      case AUTHENTICATE -> {
        if (!state.users().containsKey(entry.getAuthenticate().getName())) {
          return error(AuthErrors.AUTH_FAILED);
        }
        store.addToken(entry.getAuthenticate().getSimpleToken(), entry.getAuthenticate().getName());
        result.setAuthenticate(AuthenticateResponse.newBuilder().setHeader(header)
            .setToken(entry.getAuthenticate().getSimpleToken()));
      }
      case USER_ADD -> {
        AuthUserAddRequest add = entry.getUserAdd();
        if (add.getName().isEmpty()) {
          return error(AuthErrors.USER_EMPTY);
        }
        if (state.users().containsKey(add.getName())) {
          return error(AuthErrors.USER_ALREADY_EXIST);
        }
        User.Builder user = User.newBuilder().setName(ByteString.copyFromUtf8(add.getName()));
        if (add.getOptions().getNoPassword()) {
          user.setOptions(UserAddOptions.newBuilder().setNoPassword(true));
        } else {
          user.setPassword(ByteString.copyFromUtf8(add.getHashedPassword()));
        }
        User created = user.build();
        AuthRecords.putUser(batch, created);
        commit(batch, state.withUser(created));
        result.setUserAdd(AuthUserAddResponse.newBuilder().setHeader(header));
      }
      case USER_DELETE -> {
        String name = entry.getUserDelete().getName();
        if (state.enabled() && name.equals(AuthState.ROOT)) {
          return error(AuthErrors.INVALID_AUTH_MGMT);
        }
        if (!state.users().containsKey(name)) {
          return error(AuthErrors.USER_NOT_FOUND);
        }
        AuthRecords.deleteUser(batch, name);
        commit(batch, state.withoutUser(name));
        store.revokeTokensOf(name);
        result.setUserDelete(AuthUserDeleteResponse.newBuilder().setHeader(header));
      }
      case USER_CHANGE_PASSWORD -> {
        User user = state.users().get(entry.getUserChangePassword().getName());
        if (user == null) {
          return error(AuthErrors.USER_NOT_FOUND);
        }
        User changed = user.toBuilder()
            .setPassword(ByteString.copyFromUtf8(entry.getUserChangePassword().getHashedPassword()))
            .clearOptions().build();
        AuthRecords.putUser(batch, changed);
        commit(batch, state.withUser(changed));
        store.revokeTokensOf(entry.getUserChangePassword().getName());
        result.setUserChangePassword(AuthUserChangePasswordResponse.newBuilder().setHeader(header));
      }
      case USER_GRANT_ROLE -> {
        User user = state.users().get(entry.getUserGrantRole().getUser());
        String role = entry.getUserGrantRole().getRole();
        if (user == null) {
          return error(AuthErrors.USER_NOT_FOUND);
        }
        if (!role.equals(AuthState.ROOT) && !state.roles().containsKey(role)) {
          return error(AuthErrors.ROLE_NOT_FOUND);
        }
        if (!user.getRolesList().contains(role)) {
          List<String> roles = new ArrayList<>(user.getRolesList());
          roles.add(role);
          roles.sort(Comparator.naturalOrder());
          User granted = user.toBuilder().clearRoles().addAllRoles(roles).build();
          AuthRecords.putUser(batch, granted);
          commit(batch, state.withUser(granted));
        }
        result.setUserGrantRole(AuthUserGrantRoleResponse.newBuilder().setHeader(header));
      }
      case USER_REVOKE_ROLE -> {
        String name = entry.getUserRevokeRole().getName();
        String role = entry.getUserRevokeRole().getRole();
        if (state.enabled() && name.equals(AuthState.ROOT) && role.equals(AuthState.ROOT)) {
          return error(AuthErrors.INVALID_AUTH_MGMT);
        }
        User user = state.users().get(name);
        if (user == null) {
          return error(AuthErrors.USER_NOT_FOUND);
        }
        if (!user.getRolesList().contains(role)) {
          return error(AuthErrors.ROLE_NOT_GRANTED);
        }
        List<String> roles = new ArrayList<>(user.getRolesList());
        roles.remove(role);
        User revoked = user.toBuilder().clearRoles().addAllRoles(roles).build();
        AuthRecords.putUser(batch, revoked);
        commit(batch, state.withUser(revoked));
        result.setUserRevokeRole(AuthUserRevokeRoleResponse.newBuilder().setHeader(header));
      }
      case ROLE_ADD -> {
        String name = entry.getRoleAdd().getName();
        if (name.isEmpty()) {
          return error(AuthErrors.ROLE_EMPTY);
        }
        if (state.roles().containsKey(name)) {
          return error(AuthErrors.ROLE_ALREADY_EXIST);
        }
        Role role = Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build();
        AuthRecords.putRole(batch, role);
        commit(batch, state.withRole(role));
        result.setRoleAdd(AuthRoleAddResponse.newBuilder().setHeader(header));
      }
      case ROLE_DELETE -> {
        String name = entry.getRoleDelete().getRole();
        if (state.enabled() && name.equals(AuthState.ROOT)) {
          return error(AuthErrors.INVALID_AUTH_MGMT);
        }
        if (!state.roles().containsKey(name)) {
          return error(AuthErrors.ROLE_NOT_FOUND);
        }
        AuthRecords.deleteRole(batch, name);
        AuthState next = state.withoutRole(name);
        for (User user : next.users().values()) {
          if (!user.equals(state.users().get(user.getName().toStringUtf8()))) {
            AuthRecords.putUser(batch, user);
          }
        }
        commit(batch, next);
        result.setRoleDelete(AuthRoleDeleteResponse.newBuilder().setHeader(header));
      }
      case ROLE_GRANT_PERMISSION -> {
        AuthRoleGrantPermissionRequest grant = entry.getRoleGrantPermission();
        Role role = state.roles().get(grant.getName());
        if (role == null) {
          return error(AuthErrors.ROLE_NOT_FOUND);
        }
        List<Permission> permissions = new ArrayList<>();
        boolean replaced = false;
        for (Permission existing : role.getKeyPermissionList()) {
          if (sameRange(existing, grant.getPerm().getKey(), grant.getPerm().getRangeEnd())) {
            permissions.add(existing.toBuilder().setPermType(grant.getPerm().getPermType()).build());
            replaced = true;
          } else {
            permissions.add(existing);
          }
        }
        if (!replaced) {
          permissions.add(grant.getPerm());
        }
        permissions.sort(Comparator.comparing(Permission::getKey, ByteString.unsignedLexicographicalComparator()));
        Role granted = role.toBuilder().clearKeyPermission().addAllKeyPermission(permissions).build();
        AuthRecords.putRole(batch, granted);
        commit(batch, state.withRole(granted));
        result.setRoleGrantPermission(AuthRoleGrantPermissionResponse.newBuilder().setHeader(header));
      }
      case ROLE_REVOKE_PERMISSION -> {
        AuthRoleRevokePermissionRequest revoke = entry.getRoleRevokePermission();
        Role role = state.roles().get(revoke.getRole());
        if (role == null) {
          return error(AuthErrors.ROLE_NOT_FOUND);
        }
        List<Permission> kept = new ArrayList<>();
        for (Permission existing : role.getKeyPermissionList()) {
          if (!sameRange(existing, revoke.getKey(), revoke.getRangeEnd())) {
            kept.add(existing);
          }
        }
        if (kept.size() == role.getKeyPermissionCount()) {
          return error(AuthErrors.PERMISSION_NOT_GRANTED);
        }
        Role revoked = role.toBuilder().clearKeyPermission().addAllKeyPermission(kept).build();
        AuthRecords.putRole(batch, revoked);
        commit(batch, state.withRole(revoked));
        result.setRoleRevokePermission(AuthRoleRevokePermissionResponse.newBuilder().setHeader(header));
      }
      default -> throw new IllegalArgumentException("not an auth command: " + entry.getCommandCase());
    }
    return result.build();
  }

  private static boolean sameRange(Permission permission, ByteString key, ByteString rangeEnd) {
    return permission.getKey().equals(key) && permission.getRangeEnd().equals(rangeEnd);
  }

  private void commit(StoreBatch batch, AuthState next) {
    batch.putMetaLong(MetaKey.AUTH_ENABLED, next.enabled() ? 1 : 0);
    batch.putMetaLong(MetaKey.AUTH_REVISION, next.revision());
    store.setState(next);
  }

  private static ApplyResult error(StatusRuntimeException error) {
    return EtcdErrors.result(error);
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) { }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    store.reload();
  }
}
