package io.strata.server.auth;

import io.grpc.Context;

/**
 * Who made the request being served: the user its token names (empty without a token) and the
 * auth revision when the token was checked. Travels in the gRPC {@link Context}.
 */
public record AuthInfo(String user, long revision) {
  public static final AuthInfo NONE = new AuthInfo("", 0);
  static final Context.Key<AuthInfo> KEY = Context.keyWithDefault("strata-auth", NONE);

  /** The caller of the gRPC request being served on this thread ({@link #NONE} outside one). */
  public static AuthInfo current() {
    return KEY.get();
  }
}
