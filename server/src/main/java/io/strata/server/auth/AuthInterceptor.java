package io.strata.server.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.strata.server.tls.ClientCertificates;

/**
 * Resolves the {@code token} metadata that etcd clients send after authenticating into an
 * {@link AuthInfo} for the call. A token that is unknown or expired fails the call with etcd's
 * "invalid auth token" (clients then authenticate again). With {@code --client-cert-auth}, a call
 * without a token over TLS acts, as in etcd, as the user its client certificate's common name
 * names (the handshake verified the certificate; whether that user exists and may do the request
 * is the permission check's business).
 *
 * <p>Threading: thread-safe.
 */
public final class AuthInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  private final AuthStore store;
  private final boolean clientCertAuth;

  /** {@code clientCertAuth}: a call without a token acts as its client certificate's common name. */
  public AuthInterceptor(AuthStore store, boolean clientCertAuth) {
    this.store = store;
    this.clientCertAuth = clientCertAuth;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String token = headers.get(TOKEN);
    AuthInfo info = AuthInfo.NONE;
    if (token != null && !token.isEmpty()) {
      String user = store.userOfToken(token);
      if (user == null) {
        call.close(AuthErrors.INVALID_AUTH_TOKEN.getStatus(), new Metadata());
        return new ServerCall.Listener<>() { };
      }
      info = new AuthInfo(user, store.state().revision());
    } else if (clientCertAuth) {
      String user = ClientCertificates.commonName(call);
      if (!user.isEmpty()) {
        info = new AuthInfo(user, store.state().revision());
      }
    }
    return Contexts.interceptCall(Context.current().withValue(AuthInfo.KEY, info), call, headers, next);
  }
}
