package io.strata.server;

import io.grpc.stub.StreamObserver;
import io.strata.api.peerpb.ApplyResult;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Answers a unary gRPC call with the outcome of a proposal: the apply result's error as etcd's
 * status, or the response built from it. Shared by every service that writes through Raft.
 */
public final class Replies {
  private Replies() {}

  /** Completes {@code observer} once {@code proposal} is applied (or failed). Never blocks. */
  public static <T> void whenApplied(CompletableFuture<ApplyResult> proposal, StreamObserver<T> observer,
      Function<ApplyResult, T> response) {
    proposal.whenComplete((result, failure) -> {
      if (failure != null) {
        observer.onError(EtcdErrors.TIMEOUT);
      } else if (result.hasError()) {
        observer.onError(EtcdErrors.fromRpcError(result.getError()));
      } else {
        observer.onNext(response.apply(result));
        observer.onCompleted();
      }
    });
  }
}
