package io.strata.robustness.traffic;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchProgressRequest;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.robustness.checker.KeyRange;
import io.strata.robustness.checker.WatchStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Watchers of the traffic's keys ({@link KvTraffic#PREFIX}), recorded as {@link WatchStream}s.
 *
 * <p>Each watcher keeps one watch open on one endpoint and records every response. Every {@code
 * progressInterval} it asks for progress (etcd answers once the watch has sent every event up to
 * the revision in the answer's header). A watcher's <i>vouched</i> revision is the highest it was
 * promised complete: its last event's or progress notification's revision.
 *
 * <ul>
 *   <li>When the stream breaks (an error or end: a member killed) or stays silent for {@code
 *       streamTimeout} (a member cut off), the watcher opens a new watch on the next endpoint from
 *       vouched + 1: a new {@link WatchStream} in the history, so the checker sees the resumption.
 *   <li>A watch canceled because its start revision was compacted ends its stream (the cancel is
 *       recorded; the checker requires it to name a requested compaction above the start); the
 *       watcher resumes from the compaction revision, the oldest one the store still has.
 *   <li>{@link #finish} asks every watcher to catch up to a revision and waits, with a deadline,
 *       until each has vouched for it (a progress request makes a synced member say so).
 * </ul>
 *
 * <p>Threading: each watcher's thread alone sends on its stream and updates its state; gRPC threads
 * only put responses into the stream's inbox. {@link #start}, {@link #finish} and {@link #abort}
 * are called by the thread running the traffic.
 */
final class WatchTraffic {

  static final KeyRange RANGE = KeyRange.prefix(KvTraffic.PREFIX);
  private static final Object STREAM_ENDED = new Object();
  private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final List<? extends Channel> endpoints;
  private final HistoryRecorder recorder;
  private final long progressIntervalNanos;
  private final long streamTimeoutNanos;
  private final List<Watcher> watchers = new ArrayList<>();
  private final CountDownLatch aborted = new CountDownLatch(1);

  /**
   * @param firstClient the client number of the first watcher in the history (the others follow)
   */
  WatchTraffic(int count, int firstClient, List<? extends Channel> endpoints,
      HistoryRecorder recorder, Duration progressInterval, Duration streamTimeout) {
    this.endpoints = endpoints;
    this.recorder = recorder;
    this.progressIntervalNanos = progressInterval.toNanos();
    this.streamTimeoutNanos = streamTimeout.toNanos();
    for (int i = 0; i < count; i++) {
      watchers.add(new Watcher(firstClient + i, i % endpoints.size()));
    }
  }

  /** Starts every watcher watching from {@code startRevision} on. */
  void start(long startRevision) {
    for (Watcher w : watchers) {
      w.nextRevision = startRevision;
      w.thread.start();
    }
  }

  /**
   * Asks every watcher to catch up to {@code revision}, waits until each has or {@code
   * deadlineNanos} (of {@link System#nanoTime()}) passed, stops them all and returns how many
   * caught up.
   */
  int finish(long revision, long deadlineNanos) throws InterruptedException {
    for (Watcher w : watchers) {
      w.catchUpDeadline = deadlineNanos;
      w.catchUpTo = revision;
    }
    int caughtUp = 0;
    for (Watcher w : watchers) {
      long left = deadlineNanos - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(w.thread, left);
      }
      if (w.caughtUp) {
        caughtUp++;
      }
    }
    abort();
    return caughtUp;
  }

  /** Stops every watcher now and waits for their threads (each stops within a progress interval). */
  void abort() throws InterruptedException {
    aborted.countDown();
    for (Watcher w : watchers) {
      if (w.thread.isAlive()) {
        w.thread.join();
      }
    }
  }

  int count() {
    return watchers.size();
  }

  private boolean abortRequested() {
    return aborted.getCount() == 0;
  }

  private enum StreamEnd { BROKEN, COMPACTED, CAUGHT_UP, GAVE_UP, ABORTED }

  /** The client side of one watch stream: responses, errors and the end, in arrival order. */
  private static final class Inbox implements StreamObserver<WatchResponse> {
    final BlockingQueue<Object> items = new LinkedBlockingQueue<>();

    @Override
    public void onNext(WatchResponse r) {
      items.add(r);
    }

    @Override
    public void onError(Throwable t) {
      items.add(t);
    }

    @Override
    public void onCompleted() {
      items.add(STREAM_ENDED);
    }
  }

  private final class Watcher {
    final int client;
    final Thread thread;
    int endpoint;
    /** The first revision not vouched for yet: where a new stream starts. */
    long nextRevision;
    volatile long catchUpTo = -1;
    volatile long catchUpDeadline;
    volatile boolean caughtUp;

    Watcher(int client, int endpoint) {
      this.client = client;
      this.endpoint = endpoint;
      this.thread = new Thread(this::run, "traffic-watcher-" + client);
      this.thread.setDaemon(true);
    }

    void run() {
      long backoff = MIN_BACKOFF_NANOS;
      try {
        while (true) {
          Attempt attempt = follow();
          switch (attempt.end()) {
            case CAUGHT_UP, GAVE_UP, ABORTED -> {
              return;
            }
            case COMPACTED -> backoff = MIN_BACKOFF_NANOS;
            case BROKEN -> {
              endpoint = (endpoint + 1) % endpoints.size();
              if (attempt.heard()) {
                backoff = MIN_BACKOFF_NANOS;
              } else if (aborted.await(backoff, TimeUnit.NANOSECONDS)) {
                return;
              } else {
                backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
              }
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private record Attempt(StreamEnd end, boolean heard) {}

    /** Opens a watch from {@link #nextRevision} on the current endpoint and follows it. */
    Attempt follow() throws InterruptedException {
      Inbox inbox = new Inbox();
      StreamObserver<WatchRequest> requests =
          WatchGrpc.newStub(endpoints.get(endpoint)).watch(inbox);
      long start = nextRevision;
      boolean heard = false;
      try {
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
            .setKey(ModelTranslation.bytes(RANGE.key()))
            .setRangeEnd(ModelTranslation.bytes(RANGE.end()))
            .setStartRevision(start)).build());
        HistoryRecorder.Watch recording = null;
        long lastHeard = System.nanoTime();
        long nextProgress = lastHeard + progressIntervalNanos;
        boolean askedForCatchUp = false;
        while (true) {
          if (abortRequested()) {
            return new Attempt(StreamEnd.ABORTED, heard);
          }
          long now = System.nanoTime();
          long target = catchUpTo;
          if (target >= 0) {
            if (nextRevision - 1 >= target) {
              caughtUp = true;
              return new Attempt(StreamEnd.CAUGHT_UP, heard);
            }
            if (now - catchUpDeadline >= 0) {
              return new Attempt(StreamEnd.GAVE_UP, heard);
            }
            if (!askedForCatchUp) {
              askedForCatchUp = true;
              nextProgress = now;
            }
          }
          if (now - lastHeard >= streamTimeoutNanos) {
            return new Attempt(StreamEnd.BROKEN, heard);
          }
          if (now - nextProgress >= 0) {
            requests.onNext(WatchRequest.newBuilder()
                .setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            nextProgress = now + progressIntervalNanos;
          }
          Object item = inbox.items.poll(
              Math.max(0, Math.min(nextProgress - now, streamTimeoutNanos)), TimeUnit.NANOSECONDS);
          if (item == null) {
            continue;
          }
          if (!(item instanceof WatchResponse response)) {
            return new Attempt(StreamEnd.BROKEN, heard);
          }
          heard = true;
          lastHeard = System.nanoTime();
          if (recording == null) {
            if (response.getCreated() && response.getCanceled()) {
              return new Attempt(StreamEnd.BROKEN, heard);
            }
            recording = recorder.watch(client, RANGE, start);
          }
          WatchStream.Reply reply = ModelTranslation.reply(response);
          if (reply == null) {
            if (response.getCanceled()) {
              return new Attempt(StreamEnd.BROKEN, heard);
            }
            continue;
          }
          recording.reply(reply);
          if (reply.compactRevision() > 0) {
            nextRevision = Math.max(nextRevision, reply.compactRevision());
            return new Attempt(StreamEnd.COMPACTED, heard);
          }
          long vouched = reply.progress()
              ? reply.revision()
              : reply.events().get(reply.events().size() - 1).revision();
          nextRevision = Math.max(nextRevision, vouched + 1);
        }
      } finally {
        cancel(requests);
      }
    }

    private void cancel(StreamObserver<WatchRequest> requests) {
      try {
        requests.onError(Status.CANCELLED.withDescription("watcher done with this stream")
            .asRuntimeException());
      } catch (RuntimeException alreadyClosed) {
        // The call had already ended; nothing to cancel.
      }
    }
  }
}
