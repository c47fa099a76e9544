package io.strata.server;

import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.raftpb.Entry;
import io.strata.server.auth.AuthInfo;
import io.strata.server.auth.AuthState;
import io.strata.server.auth.Permissions;
import java.util.function.Supplier;

/**
 * The API-level auth check of the gRPC services: is the caller of the request being served
 * allowed to do it, against this member's current auth image. (Apply re-checks entries; see
 * {@link io.strata.server.auth.AuthGuard}.)
 *
 * <p>Threading: call on the gRPC thread serving the request (the caller travels in its Context).
 */
public final class ApiAuth {
  private final Supplier<AuthState> state;
  private final Permissions.LeaseKeyLookup leases;

  public ApiAuth(Supplier<AuthState> state, Permissions.LeaseKeyLookup leases) {
    this.state = state;
    this.leases = leases;
  }

  /** Null when the caller may have {@code entry} applied. */
  public StatusRuntimeException entry(Entry.Builder entry) {
    return Permissions.check(state.get(), AuthInfo.current().user(), entry.build(), leases);
  }

  /** Null when {@code caller} may read what {@code request} asks for, by the auth image now. */
  public StatusRuntimeException range(AuthInfo caller, RangeRequest request) {
    return Permissions.range(state.get(), caller.user(), request);
  }

  /** Null when the caller holds the root role (or auth is off). */
  public StatusRuntimeException admin() {
    return Permissions.admin(state.get(), AuthInfo.current().user());
  }

  /** Null when the caller may read ({@code write} false) or write [key, rangeEnd). */
  public StatusRuntimeException keys(com.google.protobuf.ByteString key, com.google.protobuf.ByteString rangeEnd,
      boolean write) {
    return Permissions.keys(state.get(), AuthInfo.current().user(), key, rangeEnd, write);
  }
}
