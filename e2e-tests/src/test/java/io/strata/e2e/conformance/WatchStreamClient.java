package io.strata.e2e.conformance;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchCancelRequest;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchProgressRequest;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One raw Watch stream (etcd's generated stub, no client library in between) to one member, with
 * its own channel so that closing it really ends the stream. Every wait has a deadline.
 */
final class WatchStreamClient implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(30);

  private final ManagedChannel channel;
  private final LinkedBlockingQueue<WatchResponse> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Throwable> ended = new CompletableFuture<>();
  private final ClientCallStreamObserver<WatchRequest> requests;

  WatchStreamClient(String endpoint) {
    channel = ManagedChannelBuilder.forTarget(endpoint).usePlaintext().maxInboundMessageSize(64 << 20).build();
    CompletableFuture<ClientCallStreamObserver<WatchRequest>> call = new CompletableFuture<>();
    WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
        call.complete(stream);
      }

      @Override
      public void onNext(WatchResponse value) {
        received.add(value);
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    });
    requests = call.join();
  }

  synchronized void create(WatchCreateRequest.Builder create) {
    requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
  }

  synchronized void cancel(long watchId) {
    requests.onNext(WatchRequest.newBuilder()
        .setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId)).build());
  }

  synchronized void requestProgress() {
    requests.onNext(WatchRequest.newBuilder()
        .setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
  }

  WatchResponse next() {
    return next(DEADLINE);
  }

  WatchResponse next(Duration timeout) {
    try {
      WatchResponse r = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (r == null) {
        throw new AssertionError("no watch response within " + timeout.toMillis() + " ms"
            + (ended.isDone() ? "; stream ended: " + ended.getNow(null) : ""));
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A response already received, or null. */
  WatchResponse poll() {
    return received.poll();
  }

  /** The response with the identity fields of the header cleared: what the scenarios compare. */
  static WatchResponse comparable(WatchResponse r) {
    if (!r.hasHeader()) {
      return r;
    }
    return r.toBuilder().setHeader(ResponseHeader.newBuilder().setRevision(r.getHeader().getRevision())).build();
  }

  static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    requests.cancel("done", null);
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
