package io.strata.robustness.traffic;

import io.strata.robustness.checker.History;
import io.strata.robustness.checker.Operation;
import io.strata.robustness.checker.Request;
import io.strata.robustness.checker.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Collects operations of many clients into one {@link History}. Times are nanos of one monotonic
 * clock ({@link System#nanoTime()} by default) relative to the recorder's creation.
 *
 * <p>Threading: safe for concurrent use by the clients.
 */
public final class HistoryRecorder {

  private final LongSupplier clock;
  private final long start;
  private final AtomicInteger ids = new AtomicInteger();
  private final List<Operation> operations = new ArrayList<>();

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

  public synchronized int size() {
    return operations.size();
  }

  /** The operations so far, by id, as a history of a store that was empty at revision 1. */
  public History history() {
    return history(1);
  }

  /** The operations so far, by id, as a history of a store empty at {@code initialRevision}. */
  public synchronized History history(long initialRevision) {
    List<Operation> ops = new ArrayList<>(operations);
    ops.sort(Comparator.comparingInt(Operation::id));
    return new History(initialRevision, ops, List.of());
  }
}
