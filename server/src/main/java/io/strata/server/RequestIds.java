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
 * absent means none) and the retry marker {@value #RETRY_NAME}{@code : 1} into the call's
 * {@link Context}, where {@link Proposer} finds them. etcd's wire messages stay exactly etcd's. A
 * value that is not such a number, or a marker other than {@code 1}, fails the call with
 * INVALID_ARGUMENT.
 *
 * <p>The retry contract (Strata's Java client relies on it): a write sent with the marker is one
 * the client sent before without learning its outcome. It is applied only if its request id is
 * deduplicated; otherwise it is refused with {@link IdempotentWrites#RETRY_NOT_DEDUPLICATED}
 * (FAILED_PRECONDITION), so a retry never applies a write twice. The marker is read by every
 * member of this release, whatever version it emulates; the request id only by a member whose own
 * version has idempotent writes (a member emulating an older version ignores it, as that release
 * would, so a marked retry sent to it is refused). Every answer to a call carrying a request id or
 * the marker has the response header {@value #RETRY_CHECKED_NAME}{@code : 1}, which tells a client
 * that this member checks the marker (etcd would ignore it and apply the retry).
 *
 * <p>Threading: thread-safe; runs on gRPC threads.
 */
final class RequestIds implements ServerInterceptor {
  static final String METADATA_NAME = "strata-request-id";
  static final Metadata.Key<String> METADATA = Metadata.Key.of(METADATA_NAME, Metadata.ASCII_STRING_MARSHALLER);
  static final String RETRY_NAME = "strata-request-retry";
  static final Metadata.Key<String> RETRY = Metadata.Key.of(RETRY_NAME, Metadata.ASCII_STRING_MARSHALLER);
  static final String RETRY_CHECKED_NAME = "strata-request-retry-checked";
  static final Metadata.Key<String> RETRY_CHECKED = Metadata.Key.of(RETRY_CHECKED_NAME, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Long> KEY = Context.keyWithDefault(METADATA_NAME, 0L);
  private static final Context.Key<Boolean> RETRY_KEY = Context.keyWithDefault(RETRY_NAME, false);

  private final boolean readsRequestIds;

  /** @param readsRequestIds whether this member's own version has idempotent writes */
  RequestIds(boolean readsRequestIds) {
    this.readsRequestIds = readsRequestIds;
  }

  /** The request id of the gRPC call being served on this thread; 0 when none (or outside a call). */
  static long current() {
    return KEY.get();
  }

  /** Whether the gRPC call being served on this thread carries the retry marker. */
  static boolean isRetry() {
    return RETRY_KEY.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String idText = headers.get(METADATA);
    String retryText = headers.get(RETRY);
    if (idText == null && retryText == null) {
      return next.startCall(call, headers);
    }
    ResponseMetadata.current().put(RETRY_CHECKED, "1");
    Context context = Context.current();
    if (retryText != null) {
      if (!retryText.trim().equals("1")) {
        return refuse(call, RETRY_NAME + " must be 1, not '" + retryText + "'");
      }
      context = context.withValue(RETRY_KEY, true);
    }
    if (idText != null && readsRequestIds) {
      try {
        context = context.withValue(KEY, Long.parseUnsignedLong(idText.trim()));
      } catch (NumberFormatException e) {
        return refuse(call, METADATA_NAME + " must be an unsigned 64-bit decimal, not '" + idText + "'");
      }
    }
    return Contexts.interceptCall(context, call, headers, next);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String message) {
    Metadata trailers = new Metadata();
    trailers.put(RETRY_CHECKED, "1");
    call.close(Status.INVALID_ARGUMENT.withDescription("strata: " + message), trailers);
    return new ServerCall.Listener<>() { };
  }
}
