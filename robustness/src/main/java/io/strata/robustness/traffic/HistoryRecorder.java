package io.strata.robustness.traffic;

import io.strata.robustness.checker.History;
import io.strata.robustness.checker.KeyRange;
import io.strata.robustness.checker.Operation;
import io.strata.robustness.checker.Request;
import io.strata.robustness.checker.Response;
import io.strata.robustness.checker.WatchStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Collects operations of many clients and the watch streams of watchers into one {@link History}. Times are nanos of one monotonic
 * clock ({@link System#nanoTime()} by default) relative to the recorder's creation.
 *
 * <p>Threading: safe for concurrent use by the clients.
 */
public final class HistoryRecorder {

  private final LongSupplier clock;
  private final long start;
  private final AtomicInteger ids = new AtomicInteger();
  private final List<Operation> operations = new ArrayList<>();
  private final List<Watch> watches = new ArrayList<>();

  public HistoryRecorder() {
    this(System::nanoTime);
  }

  public HistoryRecorder(LongSupplier nanoClock) {
    this.clock = nanoClock;
    this.start = nanoClock.getAsLong();
  }

  /** The clock reading, relative to the start, to record as a call or return time. */
  public long now() {
    return clock.getAsLong() - start;
  }

  /** Records a call that returned {@code response} (a result or a definite {@link Response.Error}). */
  public Operation returned(int client, long call, Request request, Response response) {
    java.util.Objects.requireNonNull(response, "response");
    return add(new Operation(ids.getAndIncrement(), client, call, Math.max(call, now()), request,
        response));
  }

  /** Records a call whose outcome is unknown: return = ∞, no response. */
  public Operation unknown(int client, long call, Request request) {
    return add(new Operation(ids.getAndIncrement(), client, call, Operation.INFINITY, request,
        null));
  }

  private synchronized Operation add(Operation op) {
    operations.add(op);
    return op;
  }

  /**
   * Starts recording a new watch stream; its replies are added with {@link Watch#reply}. A watcher
   * that resumes elsewhere starts a new one.
   */
  public synchronized Watch watch(int client, KeyRange range, long startRevision) {
    Watch w = new Watch(watches.size() + 1, client, range, startRevision);
    watches.add(w);
    return w;
  }

  /** One watch stream being recorded. Threading: its replies may be added from any thread. */
  public final class Watch {
    private final int id;
    private final int client;
    private final KeyRange range;
    private final long startRevision;
    private final List<WatchStream.Reply> replies = new ArrayList<>();

    private Watch(int id, int client, KeyRange range, long startRevision) {
      this.id = id;
      this.client = client;
      this.range = range;
      this.startRevision = startRevision;
    }

    public void reply(WatchStream.Reply reply) {
      synchronized (HistoryRecorder.this) {
        replies.add(java.util.Objects.requireNonNull(reply, "reply"));
      }
    }

    private WatchStream snapshot() {
      return new WatchStream(id, client, range, startRevision, replies);
    }
  }

  public synchronized int size() {
    return operations.size();
  }

  /** The history so far of a store that was empty at revision 1. */
  public History history() {
    return history(1);
  }

  /**
   * The operations (by id) and watch streams so far, as a history of a store empty at {@code
   * initialRevision}.
   */
  public synchronized History history(long initialRevision) {
    List<Operation> ops = new ArrayList<>(operations);
    ops.sort(Comparator.comparingInt(Operation::id));
    return new History(initialRevision, ops, watches.stream().map(Watch::snapshot).toList());
  }
}
