package io.strata.server.auth;

import io.grpc.StatusRuntimeException;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.EntryHeader;
import io.strata.server.AuthGate;
import io.strata.server.EtcdErrors;
import io.strata.storage.StoreBatch;

/**
 * The apply-time auth check. An entry made by the server itself (no user, auth revision 0: member
 * attributes, lease expiry, quota alarms) passes. A client's entry checked against an older auth
 * revision than the current one is refused with etcd's "revision of auth store is old" (clients
 * authenticate again and retry); otherwise its permissions are checked against the current image.
 *
 * <p>Threading: apply thread.
 */
public final class AuthGuard implements AuthGate {
  private final AuthStore store;
  private final Permissions.LeaseKeyLookup leases;

  public AuthGuard(AuthStore store, Permissions.LeaseKeyLookup leases) {
    this.store = store;
    this.leases = leases;
  }

  @Override
  public ApplyResult deny(Entry entry, StoreBatch batch) {
    EntryHeader header = entry.getHeader();
    if (header.getAuthRevision() == 0 && header.getUsername().isEmpty()) {
      return null;
    }
    AuthState state = store.state();
    if (!state.enabled()) {
      return null;
    }
    if (header.getAuthRevision() < state.revision()) {
      return EtcdErrors.result(AuthErrors.AUTH_OLD_REVISION);
    }
    StatusRuntimeException denied = Permissions.check(state, header.getUsername(), entry, leases);
    return denied == null ? null : EtcdErrors.result(denied);
  }
}
