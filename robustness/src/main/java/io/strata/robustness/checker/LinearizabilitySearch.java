package io.strata.robustness.checker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Layer 2: Wing and Gong's search for a linearization with Lowe's memoisation, as Porcupine does
 * it, over the whole {@link KvModel} (the revision is part of the state, so no partitioning by key).
 *
 * <ol>
 *   <li>Calls and returns form one list ordered by time (a call before a return at equal times, so
 *       touching ops count as concurrent). Unknown-outcome ops return at ∞; definite failures
 *       changed nothing and are left out, except reads failing "compacted", which the model
 *       answers.
 *   <li>Walk the list: at a call, try to linearize that op now: apply it to the model; if the
 *       model's response equals the recorded one (any response for an unknown outcome) and the pair
 *       (set of linearized ops, new state) was not explored before, push it, remove the op from the
 *       list and restart from the head. At a return, the op whose return it is was not linearized
 *       in time: pop the last choice and try the next call after it.
 *   <li>The list empties: {@link Verdict#OK}. The stack empties at a return: {@link
 *       Verdict#ILLEGAL}. The budget runs out: {@link Verdict#UNKNOWN}.
 * </ol>
 *
 * <p>An unknown-outcome write is either linearized somewhere before the end or at the very end,
 * where it can no longer be observed: that is "maybe applied".
 *
 * <p>Threading: a static function of its input; the clock only bounds its running time.
 */
public final class LinearizabilitySearch {

  private LinearizabilitySearch() {}

  public enum Verdict { OK, ILLEGAL, UNKNOWN }

  /** {@code longestPrefix} is the most ops the search linearized at once (a hint for ILLEGAL). */
  public record Result(Verdict verdict, int linearizedMost, int operations, long explored) {}

  private static final class Entry {
    final Operation op;
    final int index;
    final boolean call;
    final long time;
    Entry match;
    Entry prev;
    Entry next;

    Entry(Operation op, int index, boolean call, long time) {
      this.op = op;
      this.index = index;
      this.call = call;
      this.time = time;
    }
  }

  private record Memo(BitSet linearized, KvState state) {}

  private record Frame(Entry call, KvState before) {}

  public static Result check(History h, Duration budget, Clock clock) {
    List<Operation> ops = new ArrayList<>();
    for (Operation op : h.operations()) {
      if (!op.failed() || isCompactedRead(op)) {
        ops.add(op);
      }
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      Entry c = new Entry(op, i, true, op.call());
      Entry r = new Entry(op, i, false, op.ret());
      c.match = r;
      r.match = c;
      entries.add(c);
      entries.add(r);
    }
    entries.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
    Entry head = new Entry(null, -1, false, Long.MIN_VALUE);
    Entry tail = head;
    for (Entry e : entries) {
      tail.next = e;
      e.prev = tail;
      tail = e;
    }
    long deadline = clock.millis() + budget.toMillis();
    KvState state = KvState.empty(h.initialRevision());
    BitSet linearized = new BitSet(ops.size());
    Set<Memo> cache = new HashSet<>();
    Deque<Frame> stack = new ArrayDeque<>();
    int most = 0;
    long explored = 0;
    Entry entry = head.next;
    while (head.next != null) {
      if ((++explored & 1023) == 0 && clock.millis() > deadline) {
        return new Result(Verdict.UNKNOWN, most, ops.size(), explored);
      }
      if (entry.call) {
        KvModel.Outcome o = KvModel.apply(state, entry.op.request());
        boolean fits = entry.op.unknown()
            || KvModel.mismatch(entry.op.request(), o.response(), entry.op.response()) == null;
        if (fits) {
          BitSet next = (BitSet) linearized.clone();
          next.set(entry.index);
          if (cache.add(new Memo(next, o.next()))) {
            stack.push(new Frame(entry, state));
            linearized = next;
            state = o.next();
            most = Math.max(most, linearized.cardinality());
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (stack.isEmpty()) {
          return new Result(Verdict.ILLEGAL, most, ops.size(), explored);
        }
        Frame f = stack.pop();
        state = f.before();
        linearized.clear(f.call().index);
        unlift(f.call());
        entry = f.call().next;
      }
    }
    return new Result(Verdict.OK, ops.size(), ops.size(), explored);
  }

  private static boolean isCompactedRead(Operation op) {
    return op.request() instanceof Request.Range
        && op.response() instanceof Response.Error e
        && Response.Error.COMPACTED.equals(e.message());
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
