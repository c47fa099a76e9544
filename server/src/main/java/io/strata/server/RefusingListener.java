package io.strata.server;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.util.function.Predicate;

/**
 * A call listener that closes the call with {@code refusal} instead of handing on a request
 * message that {@code refused} matches; the service never sees that message or the half-close
 * after it. Shared by the interceptors that refuse requests by their content.
 *
 * <p>Threading: gRPC delivers a call's events serially; the listener keeps no other state.
 */
final class RefusingListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
  private final ServerCall<Q, ?> call;
  private final Predicate<Object> refused;
  private final Status refusal;
  private boolean closed;

  RefusingListener(ServerCall<Q, ?> call, ServerCall.Listener<Q> delegate, Predicate<Object> refused, Status refusal) {
    super(delegate);
    this.call = call;
    this.refused = refused;
    this.refusal = refusal;
  }

  @Override
  public void onMessage(Q message) {
    if (closed) {
      return;
    }
    if (refused.test(message)) {
      closed = true;
      call.close(refusal, new Metadata());
      return;
    }
    super.onMessage(message);
  }

  @Override
  public void onHalfClose() {
    if (!closed) {
      super.onHalfClose();
    }
  }
}
