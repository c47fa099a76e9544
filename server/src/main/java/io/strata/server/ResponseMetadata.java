package io.strata.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Lets a service add response headers to the call it serves: the handler takes {@link #current()}
 * on the gRPC thread that called it (later callbacks run without the call's context) and fills it
 * before it sends the response; the headers go out with the first response message.
 *
 * <p>Threading: a call's metadata is filled by one thread at a time, before the response is sent.
 */
final class ResponseMetadata implements ServerInterceptor {
  private static final Context.Key<Metadata> KEY = Context.key("strata-response-metadata");

  /** The response headers of the call being served; a detached instance outside a call. */
  static Metadata current() {
    Metadata metadata = KEY.get();
    return metadata == null ? new Metadata() : metadata;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Metadata extra = new Metadata();
    ServerCall<Q, R> withExtra = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata responseHeaders) {
        responseHeaders.merge(extra);
        super.sendHeaders(responseHeaders);
      }
    };
    return Contexts.interceptCall(Context.current().withValue(KEY, extra), withExtra, headers, next);
  }
}
