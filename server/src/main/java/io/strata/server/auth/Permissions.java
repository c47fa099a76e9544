package io.strata.server.auth;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.raftpb.Entry;
import java.util.List;

/**
 * What a user may do, by request: the single place that maps requests to key-range permissions
 * (KV) or to the root role (administration). Used at the API, and again at apply time against the
 * auth image of that moment. Everything passes while auth is disabled.
 */
public final class Permissions {
  private Permissions() {}

  /** The keys attached to a lease, for the rule that revoking a lease needs write access to them all. */
  public interface LeaseKeyLookup {
    List<ByteString> keysOf(long leaseId);
  }

  /** Null when {@code user} may have {@code entry} applied, else the error. */
  public static StatusRuntimeException check(AuthState state, String user, Entry entry, LeaseKeyLookup leases) {
    if (!state.enabled()) {
      return null;
    }
    if (user.isEmpty()) {
      return AuthErrors.USER_EMPTY;
    }
    return switch (entry.getCommandCase()) {
      case PUT -> put(state, user, entry.getPut());
      case DELETE_RANGE -> delete(state, user, entry.getDeleteRange());
      case TXN -> txn(state, user, entry.getTxn());
      case LEASE_REVOKE -> leaseRevoke(state, user, leases.keysOf(entry.getLeaseRevoke().getID()));
      case ALARM, MEMBER_ADD, MEMBER_REMOVE, MEMBER_UPDATE, MEMBER_PROMOTE, AUTH_DISABLE, USER_ADD, USER_DELETE,
          USER_CHANGE_PASSWORD, USER_GRANT_ROLE, USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE,
          ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION -> admin(state, user);
      default -> null;
    };
  }

  /** Revoking a lease deletes its keys: etcd asks for write permission on every one of them. */
  public static StatusRuntimeException leaseRevoke(AuthState state, String user, List<ByteString> keys) {
    for (ByteString key : keys) {
      StatusRuntimeException denied = keys(state, user, key, ByteString.EMPTY, true);
      if (denied != null) {
        return denied;
      }
    }
    return null;
  }

  public static StatusRuntimeException range(AuthState state, String user, RangeRequest request) {
    return keys(state, user, request.getKey(), request.getRangeEnd(), false);
  }

  /** Null when {@code user} holds the root role (or auth is off). */
  public static StatusRuntimeException admin(AuthState state, String user) {
    if (!state.enabled()) {
      return null;
    }
    if (user.isEmpty()) {
      return AuthErrors.USER_EMPTY;
    }
    return state.hasRootRole(user) ? null : AuthErrors.PERMISSION_DENIED;
  }

  /** Null when {@code user} may read ({@code write} false) or write [key, rangeEnd). */
  public static StatusRuntimeException keys(AuthState state, String user, ByteString key, ByteString rangeEnd,
      boolean write) {
    if (!state.enabled()) {
      return null;
    }
    if (user.isEmpty()) {
      return AuthErrors.USER_EMPTY;
    }
    return state.permitted(user, key, rangeEnd, write) ? null : AuthErrors.PERMISSION_DENIED;
  }

  private static StatusRuntimeException put(AuthState state, String user, PutRequest put) {
    StatusRuntimeException denied = keys(state, user, put.getKey(), ByteString.EMPTY, true);
    if (denied == null && put.getPrevKv()) {
      denied = keys(state, user, put.getKey(), ByteString.EMPTY, false);
    }
    return denied;
  }

  private static StatusRuntimeException delete(AuthState state, String user, DeleteRangeRequest delete) {
    StatusRuntimeException denied = keys(state, user, delete.getKey(), delete.getRangeEnd(), true);
    if (denied == null && delete.getPrevKv()) {
      denied = keys(state, user, delete.getKey(), delete.getRangeEnd(), false);
    }
    return denied;
  }

  /** A txn needs read permission for its compares and ranges and write permission for its writes, on both branches. */
  public static StatusRuntimeException txn(AuthState state, String user, TxnRequest txn) {
    for (Compare compare : txn.getCompareList()) {
      StatusRuntimeException denied = keys(state, user, compare.getKey(), compare.getRangeEnd(), false);
      if (denied != null) {
        return denied;
      }
    }
    for (List<RequestOp> branch : List.of(txn.getSuccessList(), txn.getFailureList())) {
      for (RequestOp op : branch) {
        StatusRuntimeException denied = switch (op.getRequestCase()) {
          case REQUEST_RANGE -> range(state, user, op.getRequestRange());
          case REQUEST_PUT -> put(state, user, op.getRequestPut());
          case REQUEST_DELETE_RANGE -> delete(state, user, op.getRequestDeleteRange());
          case REQUEST_TXN -> txn(state, user, op.getRequestTxn());
          case REQUEST_NOT_SET -> null;
        };
        if (denied != null) {
          return denied;
        }
      }
    }
    return null;
  }
}
