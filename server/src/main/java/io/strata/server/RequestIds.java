package io.strata.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Reads the client request id of an idempotent write from the gRPC metadata
 * {@value #METADATA_NAME} (an unsigned 64-bit decimal, e.g. {@code 18446744073709551615}; 0 or
 * absent means none) into the call's {@link Context}, where {@link Proposer} finds it. etcd's wire
 * messages stay exactly etcd's. A value that is not such a number fails the call with
 * INVALID_ARGUMENT.
 *
 * <p>Installed only on a member whose own version has idempotent writes: a member emulating an
 * older version ignores the metadata entirely, as that release would.
 *
 * <p>Threading: thread-safe; runs on gRPC threads.
 */
final class RequestIds implements ServerInterceptor {
  static final String METADATA_NAME = "strata-request-id";
  static final Metadata.Key<String> METADATA = Metadata.Key.of(METADATA_NAME, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Long> KEY = Context.keyWithDefault(METADATA_NAME, 0L);

  /** The request id of the gRPC call being served on this thread; 0 when none (or outside a call). */
  static long current() {
    return KEY.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String text = headers.get(METADATA);
    if (text == null) {
      return next.startCall(call, headers);
    }
    long id;
    try {
      id = Long.parseUnsignedLong(text.trim());
    } catch (NumberFormatException e) {
      call.close(Status.INVALID_ARGUMENT.withDescription(
          "strata: " + METADATA_NAME + " must be an unsigned 64-bit decimal, not '" + text + "'"), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return Contexts.interceptCall(Context.current().withValue(KEY, id), call, headers, next);
  }
}
