package io.strata.server;

import com.google.protobuf.MessageOrBuilder;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.strata.api.version.MinimalVersion;
import io.strata.api.version.Version;

/**
 * Makes a member that emulates an older version refuse what that version did not have: a request
 * whose message type or populated fields were introduced later (by their {@code since}
 * annotations) fails with etcd's "not capable" (FAILED_PRECONDITION), exactly as the older
 * release would have refused it.
 *
 * <p>Threading: thread-safe; runs on gRPC threads.
 */
final class VersionGate implements ServerInterceptor {
  private final Version emulated;

  VersionGate(Version emulated) {
    this.emulated = emulated;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        if (message instanceof MessageOrBuilder proto && MinimalVersion.of(proto).isNewerThan(emulated)) {
          refused = true;
          call.close(EtcdErrors.NOT_CAPABLE.getStatus(), new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }
}
