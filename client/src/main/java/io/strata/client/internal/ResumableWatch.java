package io.strata.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.client.Endpoint;
import io.strata.client.WatchCanceledException;
import io.strata.client.WatchListener;
import io.strata.client.Watcher;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One watcher on a Watch stream of its own, re-created on another member whenever the stream
 * fails, from the revision after the last one delivered ({@link WatchProgress}). The stream
 * carries etcd's {@code hasleader: true}, so a member that lost its leader ends it and the watch
 * moves on instead of going silent.
 *
 * <p>Reconnects: at once to the next endpoint, then with a backoff doubling from 100 ms to 2 s,
 * reset once a watch is created. A stream ended by an error that would recur anywhere (invalid
 * argument, permission denied, ...) or a cancellation (compaction) ends the watch.
 *
 * <p>Threading: thread-safe. Every state change, gRPC call method and listener call runs on one
 * {@link SerialExecutor}, so the fields below need no lock; gRPC callbacks only hand over to it.
 */
public final class ResumableWatch implements Watcher {
  private static final Metadata.Key<String> REQUIRE_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final WatchCreateRequest request;
  private final WatchListener listener;
  private final Invoker invoker;
  private final ScheduledExecutorService scheduler;
  private final SerialExecutor serial;
  private final WatchProgress progress;
  private final CompletableFuture<Long> created = new CompletableFuture<>();
  private final Runnable onFinished;

  private ClientCall<WatchRequest, WatchResponse> call;
  /** Counts streams, so callbacks of an abandoned stream are told apart and ignored. */
  private int generation;
  private boolean finished;
  private long backoffNanos;

  public ResumableWatch(WatchCreateRequest request, WatchListener listener, Invoker invoker,
      ScheduledExecutorService scheduler, Executor executor, Runnable onFinished) {
    if (request.getFragment()) {
      throw new IllegalArgumentException("fragmented watch responses cannot be resumed exactly; do not set fragment");
    }
    this.request = request;
    this.listener = listener;
    this.invoker = invoker;
    this.scheduler = scheduler;
    this.serial = new SerialExecutor(executor);
    this.progress = new WatchProgress(request.getStartRevision());
    this.onFinished = onFinished;
  }

  /** Opens the first stream. */
  public ResumableWatch start() {
    serial.execute(this::connect);
    return this;
  }

  @Override
  public CompletableFuture<Long> created() {
    return created;
  }

  @Override
  public void close() {
    serial.execute(() -> {
      if (finished) {
        return;
      }
      finish();
      created.completeExceptionally(new IllegalStateException("the watch was closed before it was created"));
      listener.onCompleted();
    });
  }

  private void connect() {
    if (finished) {
      return;
    }
    Endpoint endpoint = invoker.pool().next();
    long wait = Math.max(backoffNanos, invoker.pool().waitBefore(endpoint).toNanos());
    if (wait > 0) {
      backoffNanos = Math.min(MAX_BACKOFF_NANOS, Math.max(FIRST_BACKOFF_NANOS, backoffNanos * 2));
      schedule(() -> serial.execute(() -> open(endpoint)), wait, TimeUnit.NANOSECONDS);
    } else {
      backoffNanos = FIRST_BACKOFF_NANOS;
      open(endpoint);
    }
  }

  private void open(Endpoint endpoint) {
    if (finished) {
      return;
    }
    int streamGeneration = ++generation;
    Metadata requireLeader = new Metadata();
    requireLeader.put(REQUIRE_LEADER, "true");
    invoker.streamHeaders(requireLeader).whenComplete((headers, loginFailure) -> serial.execute(() -> {
      if (finished || streamGeneration != generation) {
        return;
      }
      if (loginFailure != null) {
        end(loginFailure instanceof java.util.concurrent.CompletionException && loginFailure.getCause() != null
            ? loginFailure.getCause() : loginFailure);
        return;
      }
      stream(endpoint, headers, streamGeneration);
    }));
  }

  private void stream(Endpoint endpoint, Metadata headers, int streamGeneration) {
    try {
      call = invoker.channels().get(endpoint).newCall(WatchGrpc.getWatchMethod(), CallOptions.DEFAULT);
    } catch (IllegalStateException closed) {
      end(closed);
      return;
    }
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(WatchResponse message) {
        serial.execute(() -> received(endpoint, message, streamGeneration));
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        serial.execute(() -> closed(endpoint, headers, status, streamGeneration));
      }
    }, headers);
    call.request(1);
    call.sendMessage(WatchRequest.newBuilder()
        .setCreateRequest(request.toBuilder().setStartRevision(progress.resumeRevision()))
        .build());
  }

  private void received(Endpoint endpoint, WatchResponse response, int streamGeneration) {
    if (finished || streamGeneration != generation) {
      return;
    }
    if (response.getCanceled() || response.getCompactRevision() > 0) {
      String reason = response.getCompactRevision() > 0
          ? "etcdserver: mvcc: required revision has been compacted (compact revision "
              + response.getCompactRevision() + ")"
          : "watch cancelled by the member: " + response.getCancelReason();
      end(new WatchCanceledException(reason, response));
      return;
    }
    if (response.getCreated()) {
      invoker.pool().succeeded(endpoint);
      backoffNanos = 0;
      progress.created(response.getHeader().getRevision());
      created.complete(response.getHeader().getRevision());
    } else if (response.getEventsCount() == 0) {
      progress.progressed(response.getHeader().getRevision());
      deliver(response);
    } else {
      List<Event> fresh = progress.accept(response.getEventsList());
      if (!fresh.isEmpty()) {
        deliver(fresh.size() == response.getEventsCount()
            ? response : response.toBuilder().clearEvents().addAllEvents(fresh).build());
      }
    }
    if (!finished) {
      call.request(1);
    }
  }

  private void deliver(WatchResponse response) {
    try {
      listener.onNext(response);
    } catch (RuntimeException e) {
      end(e);
    }
  }

  private void closed(Endpoint endpoint, Metadata sentHeaders, Status status, int streamGeneration) {
    if (finished || streamGeneration != generation) {
      return;
    }
    switch (Failures.classify(status)) {
      case INVALID_TOKEN -> {
        invoker.tokenRefused(sentHeaders);
        connect();
      }
      case FINAL -> {
        if (status.isOk()) {
          invoker.pool().failed(endpoint); // the member ended the stream (e.g. it is stopping)
          connect();
        } else {
          end(status.asRuntimeException());
        }
      }
      default -> {
        invoker.pool().failed(endpoint);
        connect();
      }
    }
  }

  /** Ends the watch with {@code error}: no more callbacks after this one. */
  private void end(Throwable error) {
    finish();
    created.completeExceptionally(error);
    listener.onError(error);
  }

  private void finish() {
    finished = true;
    onFinished.run();
    if (call != null) {
      call.cancel("watch closed", null);
    }
  }

  /** Runs {@code task} after {@code delayNanos} on the scheduler; nothing once the client closed it. */
  private ScheduledFuture<?> schedule(Runnable task, long delayNanos, TimeUnit unit) {
    try {
      return scheduler.schedule(task, delayNanos, unit);
    } catch (RejectedExecutionException closed) {
      return null;
    }
  }
}
