package io.strata.server.watch;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.strata.api.etcdserverpb.WatchCancelRequest;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchProgressRequest;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One client Watch stream for tests, with manual inbound flow control: it reads only as many
 * responses as {@link #read} allowed (all of them unless created {@code paused}). Every wait has a
 * deadline.
 */
final class WatchClient implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(20);

  private final LinkedBlockingQueue<WatchResponse> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<Throwable> ended = new CompletableFuture<>();
  private final CompletableFuture<ClientCallStreamObserver<WatchRequest>> call = new CompletableFuture<>();
  private final ClientCallStreamObserver<WatchRequest> requests;
  private volatile boolean autoRead;

  private WatchClient(Channel channel, boolean paused) {
    this.autoRead = !paused;
    WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
        stream.disableAutoRequestWithInitial(paused ? 0 : 1);
        call.complete(stream);
      }

      @Override
      public void onNext(WatchResponse value) {
        received.add(value);
        if (autoRead) {
          call.join().request(1);
        }
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
    this.requests = call.join();
  }

  static WatchClient open(Channel channel) {
    return new WatchClient(channel, false);
  }

  /** A client that reads nothing until {@link #read} or {@link #readAll}. */
  static WatchClient paused(Channel channel) {
    return new WatchClient(channel, true);
  }

  void read(int responses) {
    requests.request(responses);
  }

  void readAll() {
    autoRead = true;
    requests.request(1);
  }

  synchronized void send(WatchRequest request) {
    requests.onNext(request);
  }

  void create(WatchCreateRequest.Builder create) {
    send(WatchRequest.newBuilder().setCreateRequest(create).build());
  }

  void cancel(long watchId) {
    send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(watchId)).build());
  }

  void requestProgress() {
    send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
  }

  /** The next response, or fails after the deadline. */
  WatchResponse next() {
    return next(DEADLINE);
  }

  WatchResponse next(Duration deadline) {
    try {
      WatchResponse response = received.poll(deadline.toMillis(), TimeUnit.MILLISECONDS);
      if (response == null) {
        throw new AssertionError("no watch response within " + deadline.toMillis() + " ms"
            + (ended.isDone() ? " (stream ended: " + ended.getNow(null) + ")" : ""));
      }
      return response;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The next response if one is already here. */
  WatchResponse poll() {
    return received.poll();
  }

  /** Reads responses until {@code count} events came for {@code watchId}; returns those responses. */
  List<WatchResponse> eventsOf(long watchId, int count) {
    List<WatchResponse> responses = new ArrayList<>();
    int events = 0;
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (events < count) {
      long left = deadline - System.nanoTime();
      WatchResponse r = next(Duration.ofNanos(Math.max(1, left)));
      if (r.getWatchId() == watchId) {
        responses.add(r);
        events += r.getEventsCount();
      }
    }
    return responses;
  }

  /** Completes with the stream's end (null for a normal completion). */
  CompletableFuture<Throwable> ended() {
    return ended;
  }

  @Override
  public void close() {
    requests.cancel("test done", null);
  }

  static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  static WatchCreateRequest.Builder watch(String key) {
    return WatchCreateRequest.newBuilder().setKey(bytes(key));
  }

  static WatchCreateRequest.Builder watchPrefix(String prefix) {
    byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
    end[end.length - 1]++;
    return WatchCreateRequest.newBuilder().setKey(bytes(prefix)).setRangeEnd(ByteString.copyFrom(end));
  }
}
