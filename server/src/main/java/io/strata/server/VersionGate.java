package io.strata.server;

import com.google.protobuf.MessageOrBuilder;
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
    return new RefusingListener<>(call, next.startCall(call, headers),
        message -> message instanceof MessageOrBuilder proto && MinimalVersion.of(proto).isNewerThan(emulated),
        EtcdErrors.NOT_CAPABLE.getStatus());
  }
}
