package io.strata.server;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.StatusRequest;
import java.util.function.BooleanSupplier;

/**
 * What a learner serves, as etcd 3.4 decides it ({@code api/v3rpc/interceptor.go}): a unary
 * Status and a serializable Range; every other request, and every stream (Watch, LeaseKeepAlive,
 * Snapshot), fails with "etcdserver: rpc not supported for learner" (UNAVAILABLE), which tells
 * etcd's clients to try another endpoint. The answer follows the member's own record as last
 * applied, so a promoted learner serves everything from the moment it applies its promotion.
 *
 * <p>Threading: thread-safe; runs on gRPC threads.
 */
final class LearnerGate implements ServerInterceptor {
  private final BooleanSupplier isLearner;

  LearnerGate(BooleanSupplier isLearner) {
    this.isLearner = isLearner;
  }

  /** etcd's {@code isRPCSupportedForLearner}. */
  static boolean servedByLearner(Object request) {
    return request instanceof StatusRequest
        || request instanceof RangeRequest range && range.getSerializable();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY && isLearner.getAsBoolean()) {
      call.close(EtcdErrors.NOT_SUPPORTED_FOR_LEARNER.getStatus(), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return new RefusingListener<>(call, next.startCall(call, headers),
        message -> !servedByLearner(message) && isLearner.getAsBoolean(),
        EtcdErrors.NOT_SUPPORTED_FOR_LEARNER.getStatus());
  }
}
