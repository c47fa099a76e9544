package io.strata.server.watch;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's Watch stream: its watchers by id, and the bounded queue of responses on their way
 * to the client.
 *
 * <p>Flow control, both ways:
 * <ul>
 *   <li>out: responses leave the queue only while gRPC says the client keeps up
 *       ({@code isReady}); the hub offers live events only while the queue is below its bounds and
 *       otherwise moves the watcher to catch-up, which waits until the queue has drained to half;</li>
 *   <li>in: the next client request is read only while the queue is below its bounds, so a client
 *       that sends requests but never reads cannot grow the queue with control responses.</li>
 * </ul>
 *
 * <p>Ordering: a watcher's created response is queued before the hub learns of the watcher, so it
 * precedes the watcher's events; its canceled (or compacted) response is queued in the same
 * critical section that removes it from {@link #watchers}, and the hub's offers for a watcher no
 * longer there are dropped, so nothing follows it.
 *
 * <p>Threading: requests arrive on gRPC's serialized callbacks; the hub thread offers responses;
 * every call on the response observer (onNext, request, onError) runs in the drain loop, which at
 * most one thread runs at a time ({@link #wip}), on the hub's sender executor (once the hub has
 * stopped its sender, on the thread that found it stopped). {@link #lock}
 * guards the fields marked so; fields marked "hub thread" are touched on the hub thread only.
 */
final class ServerWatchStream implements StreamObserver<WatchRequest> {
  /** etcd's {@code AutoWatchID}: a create request with this id gets the next free id. */
  static final long AUTO_WATCH_ID = 0;
  private static final byte[] SMALLEST_KEY = {0};

  private final WatchHub hub;
  private final ServerCallStreamObserver<WatchResponse> out;
  private final WatchSettings settings;
  /** The client asked for etcd's require-leader semantics ({@code hasleader} metadata). */
  final boolean requireLeader;
  private final AtomicInteger wip = new AtomicInteger();
  private final Object lock = new Object();

  // guarded by lock
  private final Map<Long, Watcher> watchers = new HashMap<>();
  private final ArrayDeque<WatchResponse> queue = new ArrayDeque<>();
  private long queuedBytes;
  private long nextAutoId;
  private boolean closed;
  private Status terminal;
  private boolean terminalSent;
  /** The hub waits for the queue to drain to half (catch-ups are parked). */
  private boolean roomWanted;
  /** Reading the next request waits for the queue to drain to half. */
  private boolean inboundPaused;
  private int requestsOwed;
  private ScheduledFuture<?> progressTicks;

  // hub thread
  /** Watchers that must catch up, in the order they fell behind. */
  final Set<Watcher> behind = new LinkedHashSet<>();
  /** One catch-up read at a time per stream bounds what a slow client can pile up. */
  boolean catchUpInFlight;
  /** Client progress requests not answered yet: they wait until every watcher is synced. */
  int progressRequests;

  ServerWatchStream(WatchHub hub, ServerCallStreamObserver<WatchResponse> out, WatchSettings settings,
      boolean requireLeader) {
    this.hub = hub;
    this.out = out;
    this.settings = settings;
    this.requireLeader = requireLeader;
  }

  /** Called once, on the gRPC thread that opened the call. */
  void start() {
    out.disableAutoRequest();
    out.setOnReadyHandler(this::scheduleDrain);
    out.setOnCancelHandler(this::close);
    out.request(1);
  }

  // ------------------------------------------------------------------ requests (gRPC callbacks)

  @Override
  public void onNext(WatchRequest request) {
    switch (request.getRequestUnionCase()) {
      case CREATE_REQUEST -> create(request.getCreateRequest());
      case CANCEL_REQUEST -> cancel(request.getCancelRequest().getWatchId());
      case PROGRESS_REQUEST -> hub.requestProgress(this);
      default -> { } // etcd ignores requests it does not know
    }
    synchronized (lock) {
      if (belowBounds()) {
        requestsOwed++;
      } else {
        inboundPaused = true;
      }
    }
    scheduleDrain();
  }

  /** A client half-close leaves the stream open, as in etcd: watchers keep sending. */
  @Override
  public void onCompleted() { }

  @Override
  public void onError(Throwable t) {
    close();
  }

  private void create(WatchCreateRequest request) {
    byte[] key = request.getKey().isEmpty() ? SMALLEST_KEY : request.getKey().toByteArray();
    byte[] rangeEnd = request.getRangeEnd().toByteArray();
    boolean fromKey = rangeEnd.length == 1 && rangeEnd[0] == 0;
    long storeRevision = hub.storeRevision();
    io.grpc.StatusRuntimeException denied = hub.readPermission().check(
        com.google.protobuf.ByteString.copyFrom(key), request.getRangeEnd());
    if (denied != null) {
      control(WatchResponses.denied(hub.header(storeRevision), request.getWatchId(), denied));
      return;
    }
    if (rangeEnd.length > 0 && !fromKey && Arrays.compareUnsigned(key, rangeEnd) >= 0) {
      control(WatchResponses.refused(hub.header(storeRevision), "mvcc: watcher range is empty"));
      return;
    }
    Watcher watcher;
    synchronized (lock) {
      if (closed) {
        return;
      }
      long id = request.getWatchId();
      if (id == AUTO_WATCH_ID) {
        while (watchers.containsKey(nextAutoId)) {
          nextAutoId++;
        }
        id = nextAutoId++;
      } else if (watchers.containsKey(id)) {
        enqueue(WatchResponses.refused(hub.header(storeRevision),
            "mvcc: duplicate watch ID provided on the WatchStream"));
        return;
      }
      long start = request.getStartRevision() == 0 ? storeRevision + 1 : request.getStartRevision();
      watcher = new Watcher(this, id, key, rangeEnd, start, request);
      watchers.put(id, watcher);
      enqueue(WatchResponses.created(hub.header(storeRevision), id));
      if (watcher.progressNotify && progressTicks == null) {
        progressTicks = hub.scheduleProgressTicks(this);
      }
    }
    hub.register(watcher);
  }

  private void cancel(long watchId) {
    long storeRevision = hub.storeRevision();
    Watcher watcher;
    synchronized (lock) {
      watcher = watchers.remove(watchId);
      if (watcher == null || closed) {
        return; // etcd answers nothing for an unknown id
      }
      enqueue(WatchResponses.canceled(hub.header(storeRevision), watchId));
    }
    hub.unregister(watcher);
  }

  /** The client went away (cancel, error, deadline): forget everything. */
  void close() {
    List<Watcher> gone;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      gone = new ArrayList<>(watchers.values());
      watchers.clear();
      queue.clear();
      queuedBytes = 0;
      if (progressTicks != null) {
        progressTicks.cancel(false);
      }
    }
    hub.streamClosed(this, gone);
  }

  /** The server stops, or there is no leader: end the call with {@code status} after forgetting everything. */
  void shutdown(Status status) {
    synchronized (lock) {
      if (terminal == null && !closed) {
        terminal = status;
      }
    }
    close();
    scheduleDrain();
  }

  // ------------------------------------------------------------------ offers (hub thread)

  /**
   * Queues a watcher's event responses (the fragments of one response). Refused (false) when the
   * queue is at its bounds and {@code force} is not set; dropped (true) when the watcher is gone.
   */
  boolean offer(Watcher watcher, List<WatchResponse> responses, boolean force) {
    synchronized (lock) {
      if (closed || watchers.get(watcher.id) != watcher) {
        return true;
      }
      if (!force && !belowBounds()) {
        roomWanted = true;
        return false;
      }
      responses.forEach(this::enqueue);
      return true;
    }
  }

  /** Queues a progress notification unless the queue is full (then the client is busy anyway). */
  void offerProgress(WatchResponse response) {
    synchronized (lock) {
      if (!closed && belowBounds()) {
        enqueue(response);
      }
    }
  }

  /** Queues a stream-level response (created, canceled, progress, refused). */
  void control(WatchResponse response) {
    synchronized (lock) {
      if (!closed) {
        enqueue(response);
      }
    }
  }

  /** Removes the watcher and queues its compacted response (its last). */
  void compacted(Watcher watcher, WatchResponse response) {
    synchronized (lock) {
      if (closed || watchers.get(watcher.id) != watcher) {
        return;
      }
      watchers.remove(watcher.id);
      enqueue(response);
    }
  }

  /** True when the queue has drained to half its bounds; otherwise the hub is told when it has. */
  boolean hasRoom() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      boolean room = atLowWater();
      if (!room) {
        roomWanted = true;
      }
      return room;
    }
  }

  /** The watchers of the stream right now. */
  List<Watcher> watchers() {
    synchronized (lock) {
      return new ArrayList<>(watchers.values());
    }
  }

  int queuedResponses() {
    synchronized (lock) {
      return queue.size();
    }
  }

  long queuedBytes() {
    synchronized (lock) {
      return queuedBytes;
    }
  }

  // ------------------------------------------------------------------ draining

  private void enqueue(WatchResponse response) {
    queue.add(response);
    queuedBytes += response.getSerializedSize();
    scheduleDrain();
  }

  private boolean belowBounds() {
    return queue.size() < settings.maxQueuedResponses() && queuedBytes < settings.maxQueuedBytes();
  }

  private boolean atLowWater() {
    return queue.size() <= settings.maxQueuedResponses() / 2 && queuedBytes <= settings.maxQueuedBytes() / 2;
  }

  private void scheduleDrain() {
    if (wip.getAndIncrement() == 0) {
      try {
        hub.sender().execute(this::drainLoop);
      } catch (RejectedExecutionException e) {
        // The hub stopped its sender between this call's increment and its submit. Another
        // scheduleDrain may have counted on this drain meanwhile (the hub's "server stopped"
        // among them), so this thread drains: once the hub is closed a drain sends at most the
        // terminal status and never blocks.
        drainLoop();
      }
    }
  }

  private void drainLoop() {
    int missed = 1;
    do {
      drainOnce();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void drainOnce() {
    while (true) {
      WatchResponse next = null;
      Status fail = null;
      boolean signalRoom = false;
      int request = 0;
      synchronized (lock) {
        if (terminalSent) {
          return;
        }
        if (terminal != null) {
          fail = terminal;
          terminalSent = true;
        } else if (closed) {
          return;
        } else {
          if (out.isReady()) {
            next = queue.poll();
            if (next != null) {
              queuedBytes -= next.getSerializedSize();
            }
          }
          if (atLowWater()) {
            signalRoom = roomWanted;
            roomWanted = false;
            if (inboundPaused) {
              inboundPaused = false;
              requestsOwed++;
            }
          }
          request = requestsOwed;
          requestsOwed = 0;
        }
      }
      try {
        if (fail != null) {
          out.onError(fail.asRuntimeException());
          return;
        }
        if (request > 0) {
          out.request(request);
        }
        if (signalRoom) {
          hub.roomAvailable(this);
        }
        if (next == null) {
          return;
        }
        out.onNext(next);
      } catch (RuntimeException e) {
        // the call is already cancelled or closed by gRPC
        close();
        return;
      }
    }
  }
}
