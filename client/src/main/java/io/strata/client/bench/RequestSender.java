package io.strata.client.bench;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;

/**
 * Starts one asynchronous KV request of a workload.
 *
 * <p>Threading: {@link #send} is called only by the {@link LoadRunner}'s dispatching thread, one
 * call at a time, so implementations may keep unsynchronised state (such as a {@link
 * KeyGenerator}). It must not block, and must arrange for exactly one of {@link
 * Completion#succeeded()} or {@link Completion#failed(Throwable)} to be called, on any thread, unless
 * it throws.
 */
@FunctionalInterface
public interface RequestSender {

  void send(KVGrpc.KVStub stub, Completion completion);

  /** Receives the outcome of one request. Implementations are thread-safe. */
  interface Completion {
    void succeeded();

    void failed(Throwable error);
  }

  /** {@code KV.Put} of the next key with {@code value}. */
  static RequestSender put(KeyGenerator keys, ByteString value) {
    return (stub, completion) ->
        stub.put(
            PutRequest.newBuilder().setKey(keys.next()).setValue(value).build(),
            new CompletionObserver<>(completion));
  }

  /** {@code KV.Range} of the next key alone. */
  static RequestSender range(KeyGenerator keys, Consistency consistency) {
    boolean serializable = consistency == Consistency.SERIALIZABLE;
    return (stub, completion) ->
        stub.range(
            RangeRequest.newBuilder().setKey(keys.next()).setSerializable(serializable).build(),
            new CompletionObserver<>(completion));
  }

  /**
   * Adapts a unary call's observer to a {@link Completion}: success when the call completes,
   * failure on error. gRPC calls an observer serially, so it needs no synchronisation.
   */
  final class CompletionObserver<T> implements StreamObserver<T> {
    private final Completion completion;

    CompletionObserver(Completion completion) {
      this.completion = completion;
    }

    @Override
    public void onNext(T response) {
      // The response content is not inspected; completion is signalled by onCompleted.
    }

    @Override
    public void onError(Throwable error) {
      completion.failed(error);
    }

    @Override
    public void onCompleted() {
      completion.succeeded();
    }
  }
}
