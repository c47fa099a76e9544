package io.strata.server.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.server.CommitListener;
import io.strata.server.EtcdErrors;
import io.strata.storage.Backend;
import io.strata.storage.KvHistory;
import io.strata.storage.ReadView;
import io.strata.storage.RevisionUnavailableException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch hub of one member: turns the local apply path's committed events into watch
 * responses, etcd's way (ordered, unique, complete revisions, no gaps, resumable).
 *
 * <p>Threads and who owns what:
 * <ul>
 *   <li><b>apply thread</b> ({@link #committed}, {@link #snapshotInstalled}): never blocks; hands
 *       each batch to the hub thread. If more than {@link WatchSettings#maxPendingEvents()} events
 *       wait there, it drops batches and queues one resync marker instead (see below).</li>
 *   <li><b>hub thread</b> ("strata-watch-hub"): owns every watcher's state, the synced group and
 *       {@link #hubRevision}; dispatches batches; runs progress ticks.</li>
 *   <li><b>catch-up thread</b> ("strata-watch-catchup"): reads history from the store
 *       ({@link KvHistory}, one bounded page per task) and posts the result to the hub thread.</li>
 *   <li><b>sender threads</b> ("strata-watch-send"): drain stream queues into gRPC.</li>
 * </ul>
 *
 * <p>Invariants (hub thread):
 * <ol>
 *   <li>{@link #hubRevision} is the store revision up to which every batch has been dispatched;
 *       the store is always at or past it, because a batch is handed over after it is durable.</li>
 *   <li>A synced watcher has been sent (or has filtered) everything up to {@code
 *       max(hubRevision, nextRevision - 1)}; it gets each later revision from the batches.</li>
 *   <li>An unsynced watcher has been sent everything below its {@code nextRevision}. A catch-up
 *       reads [nextRevision, store revision] (bounded) from a consistent view, sends it, and
 *       advances nextRevision past what it read. When nextRevision exceeds hubRevision the
 *       watcher joins the synced group: every later revision is still to be dispatched, and the
 *       batches that carry revisions it already read are filtered by nextRevision, so there is no
 *       gap and no duplicate.</li>
 *   <li>A synced watcher whose stream queue is full leaves the group at the revision it could not
 *       take (nextRevision = that revision) and catches up once the client reads again.</li>
 *   <li>After a snapshot install, or when batches were dropped, every synced watcher becomes
 *       unsynced at {@code hubRevision + 1} and hubRevision jumps to the store revision.</li>
 *   <li>A catch-up below the compact revision ends the watcher with etcd's compacted response.</li>
 * </ol>
 */
public final class WatchHub implements CommitListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);

  private final Backend backend;
  private final HeaderSource headers;
  private final WatchSettings settings;
  /** Whether this member knows a leader; until the service provides it, streams are never ended for it. */
  private volatile BooleanSupplier hasLeader = () -> true;
  private final ScheduledThreadPoolExecutor loop;
  private final ExecutorService catchUp;
  private final ExecutorService sender;
  private final Set<ServerWatchStream> streams = ConcurrentHashMap.newKeySet();
  private final AtomicLong pendingEvents = new AtomicLong();
  private volatile boolean closed;

  // apply thread
  private Resync openResync;

  // hub thread
  private long hubRevision;
  private final WatcherGroup synced = new WatcherGroup();
  private final Set<Watcher> registered = new HashSet<>();
  private int checksWithoutLeader;
  /** {@link #registered} and the unsynced part of it, published after every posted task for metrics. */
  private volatile int watcherCount;
  private volatile int slowWatcherCount;

  public WatchHub(Backend backend, HeaderSource headers, WatchSettings settings) {
    this.backend = backend;
    this.headers = headers;
    this.settings = settings;
    this.loop = new ScheduledThreadPoolExecutor(1, daemon("strata-watch-hub"));
    this.loop.setRemoveOnCancelPolicy(true);
    this.catchUp = Executors.newSingleThreadExecutor(daemon("strata-watch-catchup"));
    this.sender = Executors.newFixedThreadPool(2, daemon("strata-watch-send"));
    this.hubRevision = storeRevision();
    long check = settings.leaderCheckInterval().toNanos();
    loop.scheduleWithFixedDelay(guarded(this::checkLeader), check, check, TimeUnit.NANOSECONDS);
  }

  // ------------------------------------------------------------------ apply thread

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    if (events.isEmpty() || closed) {
      return;
    }
    long pending = pendingEvents.get();
    if (pending > 0 && pending + events.size() > settings.maxPendingEvents()) {
      Resync resync = openResync;
      if (resync == null || !resync.raise(revision)) {
        Resync fresh = new Resync(revision);
        openResync = fresh;
        post(() -> reset(fresh.seal(), "dispatch fell behind the apply path"));
      }
      return;
    }
    openResync = null;
    List<Event> batch = List.copyOf(events);
    pendingEvents.addAndGet(batch.size());
    post(() -> dispatch(batch, revision));
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    openResync = null;
    long revision = storeRevision();
    post(() -> reset(revision, "a snapshot was installed"));
  }

  /**
   * A resync marker for dropped batches: the apply thread raises it with each batch it drops
   * until the hub thread seals it, which returns the highest dropped revision.
   */
  private static final class Resync {
    private final AtomicLong upTo;

    Resync(long revision) {
      upTo = new AtomicLong(revision);
    }

    boolean raise(long revision) {
      while (true) {
        long current = upTo.get();
        if (current < 0) {
          return false;
        }
        if (upTo.compareAndSet(current, Math.max(current, revision))) {
          return true;
        }
      }
    }

    long seal() {
      return upTo.getAndSet(-1);
    }
  }

  // ------------------------------------------------------------------ streams (gRPC threads)

  /**
   * Whether the caller of the gRPC request being served may read [key, rangeEnd): null when it
   * may, else the error. Called on the gRPC thread, where the caller's identity is in the Context.
   */
  public interface ReadPermission {
    io.grpc.StatusRuntimeException check(com.google.protobuf.ByteString key, com.google.protobuf.ByteString rangeEnd);
  }

  private volatile ReadPermission readPermission = (key, rangeEnd) -> null;

  /** Sets the check every watch create passes first (auth). */
  public void readPermission(ReadPermission permission) {
    this.readPermission = permission;
  }

  ReadPermission readPermission() {
    return readPermission;
  }

  /** Where the hub learns whether this member knows a leader (non-blocking, any thread). */
  void leaderFrom(BooleanSupplier hasLeader) {
    this.hasLeader = hasLeader;
  }

  /** Opens the hub side of a new Watch call. */
  ServerWatchStream openStream(ServerCallStreamObserver<WatchResponse> out, boolean requireLeader) {
    ServerWatchStream stream = new ServerWatchStream(this, out, settings, requireLeader);
    stream.start();
    streams.add(stream);
    if (closed) {
      stream.shutdown(EtcdErrors.STOPPED.getStatus());
    } else if (requireLeader && !hasLeader.getAsBoolean()) {
      stream.shutdown(EtcdErrors.NO_LEADER.getStatus());
    }
    return stream;
  }

  /** The store revision now (etcd's {@code watchStream.Rev()}). */
  long storeRevision() {
    try (ReadView view = backend.readView()) {
      return view.currentRevision();
    }
  }

  ResponseHeader header(long revision) {
    return headers.header(revision);
  }

  ExecutorService sender() {
    return sender;
  }

  void register(Watcher watcher) {
    post(() -> {
      if (watcher.state != Watcher.State.NEW) {
        return; // removed before the hub saw it
      }
      registered.add(watcher);
      place(watcher);
    });
  }

  void unregister(Watcher watcher) {
    post(() -> remove(watcher));
  }

  void streamClosed(ServerWatchStream stream, List<Watcher> watchers) {
    post(() -> {
      watchers.forEach(this::remove);
      stream.behind.clear();
      streams.remove(stream);
    });
  }

  void requestProgress(ServerWatchStream stream) {
    post(() -> {
      stream.progressRequests++;
      progressIfAllSynced(stream);
    });
  }

  void roomAvailable(ServerWatchStream stream) {
    post(() -> pump(stream));
  }

  ScheduledFuture<?> scheduleProgressTicks(ServerWatchStream stream) {
    long interval = settings.progressNotifyInterval().toNanos();
    if (interval <= 0 || closed) {
      return null;
    }
    // etcd adds up to 10% jitter so that streams opened together do not tick together.
    long period = interval + ThreadLocalRandom.current().nextLong(Math.max(1, interval / 10));
    try {
      return loop.scheduleAtFixedRate(guarded(() -> progressTick(stream)), period, period, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------ hub thread

  private void place(Watcher watcher) {
    if (watcher.nextRevision > hubRevision) {
      watcher.state = Watcher.State.SYNCED;
      synced.add(watcher);
      progressIfAllSynced(watcher.stream);
    } else {
      fallBehind(watcher);
    }
  }

  private void remove(Watcher watcher) {
    if (watcher.state == Watcher.State.REMOVED) {
      return;
    }
    if (watcher.state == Watcher.State.SYNCED) {
      synced.remove(watcher);
    }
    watcher.stream.behind.remove(watcher);
    registered.remove(watcher);
    watcher.state = Watcher.State.REMOVED;
    progressIfAllSynced(watcher.stream);
  }

  private void dispatch(List<Event> events, long revision) {
    pendingEvents.addAndGet(-events.size());
    int start = 0;
    while (start < events.size()) {
      long rev = events.get(start).getKv().getModRevision();
      int end = start;
      while (end < events.size() && events.get(end).getKv().getModRevision() == rev) {
        end++;
      }
      if (rev > hubRevision) {
        dispatchRevision(events.subList(start, end), rev);
        hubRevision = rev;
      }
      start = end;
    }
    hubRevision = Math.max(hubRevision, revision);
  }

  /** Sends one revision's events to the synced watchers they concern: one response each. */
  private void dispatchRevision(List<Event> events, long rev) {
    Map<Watcher, List<Event>> matched = new LinkedHashMap<>();
    Map<Event, Event> withoutPrevKv = new IdentityHashMap<>();
    for (Event event : events) {
      synced.forEachMatching(event.getKv().getKey(), w -> {
        if (rev >= w.nextRevision && w.accepts(event)) {
          Event sent = w.prevKv || !event.hasPrevKv() ? event
              : withoutPrevKv.computeIfAbsent(event, e -> e.toBuilder().clearPrevKv().build());
          matched.computeIfAbsent(w, k -> new ArrayList<>()).add(sent);
        }
      });
    }
    if (matched.isEmpty()) {
      return;
    }
    ResponseHeader header = headers.header(rev);
    for (Map.Entry<Watcher, List<Event>> entry : matched.entrySet()) {
      Watcher w = entry.getKey();
      WatchResponse response = WatchResponses.events(header, w.id, entry.getValue());
      if (w.stream.offer(w, split(w, response), false)) {
        w.eventsSinceTick = true;
      } else {
        synced.remove(w);
        w.nextRevision = rev;
        fallBehind(w);
      }
    }
  }

  /** Every synced watcher goes through catch-up from just after what it was sent. */
  private void reset(long storeRevision, String why) {
    Set<Watcher> all = synced.clear();
    for (Watcher w : all) {
      w.nextRevision = Math.max(w.nextRevision, hubRevision + 1);
    }
    hubRevision = Math.max(hubRevision, storeRevision);
    if (!all.isEmpty()) {
      LOG.info("{}: {} synced watchers catch up from the store (revision {})", why, all.size(), hubRevision);
    }
    all.forEach(this::fallBehind);
  }

  private void fallBehind(Watcher watcher) {
    watcher.state = Watcher.State.UNSYNCED;
    watcher.stream.behind.add(watcher);
    pump(watcher.stream);
  }

  /** Starts the stream's next catch-up if none is running and the client has read enough. */
  private void pump(ServerWatchStream stream) {
    if (stream.catchUpInFlight || stream.behind.isEmpty() || closed || !stream.hasRoom()) {
      return;
    }
    Watcher watcher = stream.behind.iterator().next();
    stream.behind.remove(watcher);
    watcher.state = Watcher.State.CATCHING_UP;
    stream.catchUpInFlight = true;
    long from = watcher.nextRevision;
    try {
      catchUp.execute(() -> {
        CatchUp result = readHistory(watcher, from);
        post(() -> caughtUp(watcher, result));
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** What one catch-up step found: a page of history, or that it is compacted, or a failure. */
  private record CatchUp(KvHistory.Page page, long storeRevision, long compactRevision, RuntimeException failure) {}

  /** Catch-up thread: one bounded page of the watcher's history from a consistent view. */
  private CatchUp readHistory(Watcher watcher, long from) {
    try (ReadView view = backend.readView()) {
      long current = view.currentRevision();
      try {
        KvHistory.Page page = KvHistory.read(view, watcher.key, watcher.rangeEnd, from, current,
            watcher.prevKv, settings.historyChanges(), settings.historyBytes());
        return new CatchUp(page, current, 0, null);
      } catch (RevisionUnavailableException e) {
        return new CatchUp(null, current, view.compactRevision(), null);
      }
    } catch (RuntimeException e) {
      return new CatchUp(null, 0, 0, e);
    }
  }

  private void caughtUp(Watcher watcher, CatchUp result) {
    ServerWatchStream stream = watcher.stream;
    stream.catchUpInFlight = false;
    if (watcher.state != Watcher.State.CATCHING_UP) {
      pump(stream); // removed meanwhile
      return;
    }
    if (result.failure() != null) {
      LOG.error("reading watch history failed; closing the watch stream", result.failure());
      remove(watcher);
      stream.shutdown(Status.INTERNAL.withDescription("etcdserver: " + result.failure().getMessage()));
      return;
    }
    if (result.page() == null) {
      remove(watcher);
      stream.compacted(watcher, WatchResponses.compacted(headers.header(0), watcher.id, result.compactRevision()));
      pump(stream);
      return;
    }
    List<Event> events = new ArrayList<>(result.page().events().size());
    for (Event event : result.page().events()) {
      if (watcher.accepts(event)) {
        events.add(event);
      }
    }
    if (!events.isEmpty()) {
      WatchResponse response = WatchResponses.events(headers.header(result.storeRevision()), watcher.id, events);
      stream.offer(watcher, split(watcher, response), true);
      watcher.eventsSinceTick = true;
    }
    watcher.nextRevision = Math.max(watcher.nextRevision, result.page().nextRevision());
    if (watcher.nextRevision > hubRevision) {
      watcher.state = Watcher.State.SYNCED;
      synced.add(watcher);
      progressIfAllSynced(stream);
    } else {
      watcher.state = Watcher.State.UNSYNCED;
      stream.behind.add(watcher);
    }
    pump(stream);
  }

  private List<WatchResponse> split(Watcher watcher, WatchResponse response) {
    return watcher.fragment ? WatchResponses.fragments(response, settings.fragmentBytes()) : List.of(response);
  }

  /**
   * Answers a pending client progress request once every watcher of the stream is synced: the
   * response then says that every event up to {@link #hubRevision} has been sent.
   */
  private void progressIfAllSynced(ServerWatchStream stream) {
    if (stream.progressRequests == 0) {
      return;
    }
    for (Watcher w : stream.watchers()) {
      if (w.state != Watcher.State.SYNCED) {
        return;
      }
    }
    WatchResponse progress = WatchResponses.progress(headers.header(hubRevision), WatchResponses.NO_WATCH_ID);
    for (; stream.progressRequests > 0; stream.progressRequests--) {
      stream.control(progress);
    }
  }

  /** etcd's periodic progress: to each synced watcher that asked and got no events since the last tick. */
  private void progressTick(ServerWatchStream stream) {
    for (Watcher w : stream.watchers()) {
      if (!w.progressNotify) {
        continue;
      }
      if (w.state == Watcher.State.SYNCED && !w.eventsSinceTick) {
        stream.offerProgress(WatchResponses.progress(headers.header(hubRevision), w.id));
      }
      w.eventsSinceTick = false;
    }
  }

  /**
   * etcd's leader monitor: a stream that requires a leader is ended after this member has found
   * no leader at three checks in a row (reconnecting costs more than refusing new streams).
   */
  private void checkLeader() {
    if (hasLeader.getAsBoolean()) {
      checksWithoutLeader = 0;
      return;
    }
    if (++checksWithoutLeader >= 3) {
      for (ServerWatchStream stream : streams) {
        if (stream.requireLeader) {
          stream.shutdown(EtcdErrors.NO_LEADER.getStatus());
        }
      }
    }
  }

  // ------------------------------------------------------------------ plumbing

  private void post(Runnable task) {
    try {
      loop.execute(guarded(() -> {
        try {
          task.run();
        } finally {
          watcherCount = registered.size();
          slowWatcherCount = registered.size() - synced.size();
        }
      }));
    } catch (RejectedExecutionException e) {
      // closed: nothing more to deliver
    }
  }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        LOG.error("watch hub task failed", e);
      }
    };
  }

  /** Runs {@code task} on the hub thread after everything posted before it (tests use it to hold the hub). */
  void onHubThread(Runnable task) {
    post(task);
  }

  /** The open streams (tests inspect their queues). */
  Set<ServerWatchStream> streams() {
    return streams;
  }

  /** Open watch streams (etcd's {@code etcd_debugging_mvcc_watch_stream_total}); any thread. */
  public int streamCount() {
    return streams.size();
  }

  /** Watchers of all streams (etcd's {@code etcd_debugging_mvcc_watcher_total}); any thread. */
  public int watcherCount() {
    return watcherCount;
  }

  /** Watchers that are not synced: behind or catching up (etcd's {@code etcd_debugging_mvcc_slow_watcher_total}). */
  public int slowWatcherCount() {
    return slowWatcherCount;
  }

  /** A consistent picture of the hub, taken on the hub thread (for tests and diagnostics). */
  public record Stats(int streams, int watchers, int synced, long revision) {}

  public CompletableFuture<Stats> stats() {
    CompletableFuture<Stats> stats = new CompletableFuture<>();
    try {
      loop.execute(() -> stats.complete(new Stats(streams.size(), registered.size(), synced.size(), hubRevision)));
    } catch (RejectedExecutionException e) {
      stats.completeExceptionally(e);
    }
    return stats;
  }

  /** Ends every stream with etcd's "server stopped" and stops the hub's threads. */
  @Override
  public void close() {
    closed = true;
    for (ServerWatchStream stream : streams) {
      stream.shutdown(EtcdErrors.STOPPED.getStatus());
    }
    loop.shutdownNow();
    catchUp.shutdownNow();
    sender.shutdown();
    try {
      if (!sender.awaitTermination(5, TimeUnit.SECONDS)) {
        // A drain that never started would leave its stream without "server stopped". Each is
        // the only drain of its stream (see ServerWatchStream.scheduleDrain), so running it on
        // this thread keeps every stream's responses on one thread at a time.
        for (Runnable neverStarted : sender.shutdownNow()) {
          neverStarted.run();
        }
      }
      catchUp.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread thread = new Thread(r, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
