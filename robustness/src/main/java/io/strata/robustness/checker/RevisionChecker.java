package io.strata.robustness.checker;

import io.strata.robustness.checker.WatchStream.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Layer 1: the near-linear, revision-based check. Every write that changed the store owns one
 * revision, so the history can be replayed in revision order instead of searched:
 *
 * <ol>
 *   <li>Index every value a client saw (reads, prev kvs, watch events) by its mod revision. A value
 *       no put wrote is a violation; an unknown-outcome write whose value was seen is placed at
 *       that revision (values are unique, so it applied exactly there).
 *   <li>Group the ops with a response by header revision. For each revision R from the first on,
 *       exactly one claimant must change the store when applied to the image at R-1 (the writer);
 *       every other claimant is applied to the image at R and must change nothing. A revision no
 *       claimant wrote is filled by the only unknown-outcome write that fits, else it is a gap.
 *   <li>Every response must equal the model's: reads (also at past revisions), prev kvs, deleted
 *       counts, txn branches. A read at a past revision may fail "compacted" only if a compaction
 *       above it was called before the read returned, and must fail so if such a compaction had
 *       returned before the read was called (etcd applies a compaction before answering it, and a
 *       linearizable read waits for every entry committed before it).
 *   <li>Real time: if A returned before B was called, rev(B) ≥ rev(A), and rev(B) > rev(A) when B
 *       wrote.
 *   <li>Watch streams are checked against the per-revision events of the replay ({@link
 *       WatchChecker}).
 * </ol>
 *
 * <p>When a gap can be filled by several unknown-outcome writes the checker picks the earliest
 * called one and marks the result {@link Result#guessed()}: its violations are then not conclusive
 * and layer 2 decides. A put value written twice also makes the result guessed.
 *
 * <p>Threading: a static function of its input.
 */
public final class RevisionChecker {

  private RevisionChecker() {}

  /**
   * @param log the events of every replayed revision (empty list for revisions nobody wrote)
   * @param guessed whether the replay had to choose between writes (see the class comment)
   */
  public record Result(
      List<Violation> violations, boolean guessed, List<String> notes, Map<Long, List<Event>> log) {
    public boolean ok() {
      return violations.isEmpty();
    }
  }

  private record Seen(long revision, String where) {}

  public static Result check(History h) {
    return new Run(h).run();
  }

  private static final class Run {
    final History h;
    final List<Violation> violations = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    boolean guessed;
    final Map<String, Operation> writerOfValue = new HashMap<>();
    final Map<Operation, Long> placed = new HashMap<>();
    final Map<Long, Operation> writerOfRevision = new HashMap<>();
    final Set<Operation> creators = new HashSet<>();
    final Map<Long, List<Event>> log = new TreeMap<>();

    Run(History h) {
      this.h = h;
    }

    Result run() {
      indexWrites();
      long maxRev = placeObserved();
      TreeMap<Long, List<Operation>> claims = new TreeMap<>();
      for (Operation op : h.operations()) {
        if (!op.unknown() && !op.failed()) {
          claims.computeIfAbsent(op.response().revision(), r -> new ArrayList<>()).add(op);
        }
      }
      placed.forEach((op, rev) -> claims.computeIfAbsent(rev, r -> new ArrayList<>()).add(op));
      if (!claims.isEmpty()) {
        maxRev = Math.max(maxRev, claims.lastKey());
      }
      for (WatchStream w : h.watches()) {
        for (WatchStream.Reply r : w.responses()) {
          maxRev = Math.max(maxRev, r.revision());
        }
      }
      replay(claims, maxRev);
      checkReadsAgainstCompactions();
      checkRealTime();
      violations.addAll(WatchChecker.check(h, log, maxCompaction()));
      return new Result(List.copyOf(violations), guessed, List.copyOf(notes), log);
    }

    void indexWrites() {
      for (Operation op : h.operations()) {
        for (String v : putValues(op.request(), new ArrayList<>())) {
          Operation other = writerOfValue.putIfAbsent(v, op);
          if (other != null) {
            guessed = true;
            notes.add("value " + v + " is written by op " + other.id() + " and op " + op.id()
                + ": values are not unique, writes cannot be told apart");
          }
        }
      }
    }

    static List<String> putValues(Request r, List<String> out) {
      if (r instanceof Request.Put p) {
        out.add(p.value());
      } else if (r instanceof Request.Txn t) {
        t.success().forEach(s -> putValues(s, out));
        t.failure().forEach(s -> putValues(s, out));
      }
      return out;
    }

    /** Indexes observed values; places unknown-outcome writes; returns the highest revision seen. */
    long placeObserved() {
      Map<String, Seen> seen = new HashMap<>();
      long[] max = {h.initialRevision()};
      java.util.function.BiConsumer<KeyValue, String> observe =
          (kv, where) -> {
            if (kv == null) {
              return;
            }
            max[0] = Math.max(max[0], kv.modRevision());
            Operation writer = writerOfValue.get(kv.value());
            if (writer == null) {
              violations.add(new Violation("phantom-value", where + " saw " + kv
                  + " but no write in the history put value '" + kv.value() + "'"));
              return;
            }
            Seen before = seen.putIfAbsent(kv.value(), new Seen(kv.modRevision(), where));
            if (before != null && before.revision() != kv.modRevision()) {
              violations.add(new Violation("value-revision", "value '" + kv.value() + "' of "
                  + Describe.op(writer) + " seen at mod revision " + before.revision() + " by "
                  + before.where() + " and at " + kv.modRevision() + " by " + where));
            }
          };
      for (Operation op : h.operations()) {
        if (!op.unknown() && !op.failed()) {
          observeResponse(op.response(), kv -> observe.accept(kv, Describe.op(op)));
        }
      }
      for (WatchStream w : h.watches()) {
        for (WatchStream.Reply r : w.responses()) {
          for (Event e : r.events()) {
            max[0] = Math.max(max[0], e.revision());
            if (e.type() == Event.Type.PUT) {
              observe.accept(e.kv(), "watch " + w.id());
            }
          }
        }
      }
      seen.forEach(
          (value, s) -> {
            Operation writer = writerOfValue.get(value);
            if (writer.unknown()) {
              placed.put(writer, s.revision());
            }
          });
      return max[0];
    }

    static void observeResponse(Response r, java.util.function.Consumer<KeyValue> c) {
      if (r instanceof Response.Range x) {
        x.kvs().forEach(c);
      } else if (r instanceof Response.Put x) {
        c.accept(x.prevKv());
      } else if (r instanceof Response.Delete x) {
        x.prevKvs().forEach(c);
      } else if (r instanceof Response.Txn x) {
        x.responses().forEach(s -> observeResponse(s, c));
      }
    }

    void replay(TreeMap<Long, List<Operation>> claims, long maxRev) {
      List<Operation> unplaced = new ArrayList<>();
      for (Operation op : h.operations()) {
        if (op.unknown() && op.request().mayWrite() && !placed.containsKey(op)) {
          unplaced.add(op);
        }
      }
      unplaced.sort(Comparator.comparingLong(Operation::call));
      KvState state = KvState.empty(h.initialRevision());
      for (Operation op : claims.headMap(h.initialRevision()).values().stream()
          .flatMap(List::stream).toList()) {
        violations.add(new Violation("revision-regression", Describe.op(op)
            + " has revision " + op.response().revision() + ", before the history's first "
            + h.initialRevision()));
      }
      verifyNonWriters(claims.getOrDefault(h.initialRevision(), List.of()), null, state);
      for (long rev = h.initialRevision() + 1; rev <= maxRev; rev++) {
        List<Operation> claimants = claims.getOrDefault(rev, List.of());
        KvState prev = state;
        Operation writer = null;
        KvModel.Outcome outcome = null;
        List<Operation> changing = new ArrayList<>();
        // A claimant whose own response says it wrote is preferred: a failed CAS or a delete of
        // nothing reports the current revision too, and may be listed before the real writer.
        List<Operation> ordered = writersFirst(claimants, prev);
        for (Operation c : ordered) {
          KvModel.Outcome o = KvModel.apply(prev, c.request());
          if (o.wrote() && !calledAfterRevisionExisted(c, rev)) {
            changing.add(c);
            if (writer == null && othersStill(claimants, c, o.next())) {
              // Others may change the image at R-1 too (a delete of a key the writer then
              // deletes first); what counts is that they change nothing applied after it.
              writer = c;
              outcome = o;
            }
          }
        }
        // Prefer an explanation in which every claimant answers as it did: the writer's own
        // answer matches, and every other claimant writes nothing after it and answers alike.
        // A revoke reporting a concurrent txn's revision came after the txn re-put its only key
        // without the lease; a delete answering "deleted 0" at revision R came after an
        // unknown-outcome delete of the same key that owns R.
        if (writer == null || !answersAsItDid(writer, outcome)
            || !othersAnswerAsAfter(claimants, writer, outcome.next())) {
          Operation explaining = null;
          for (Operation c : ordered) {
            KvModel.Outcome o = KvModel.apply(prev, c.request());
            if (o.wrote() && !calledAfterRevisionExisted(c, rev) && answersAsItDid(c, o)
                && othersAnswerAsAfter(claimants, c, o.next())) {
              explaining = c;
              break;
            }
          }
          if (explaining == null) {
            List<Operation> unknownFits = new ArrayList<>();
            for (Operation u : unplaced) {
              KvModel.Outcome o = KvModel.apply(prev, u.request());
              if (o.wrote() && othersAnswerAsAfter(claimants, u, o.next())) {
                unknownFits.add(u);
              }
            }
            if (!unknownFits.isEmpty()) {
              explaining = unknownFits.get(0);
              if (unknownFits.size() > 1) {
                guessed = true;
                notes.add("revision " + rev + " could be any of the unknown-outcome writes "
                    + ids(unknownFits) + "; chose op " + explaining.id());
              }
              unplaced.remove(explaining);
              placed.put(explaining, rev);
            }
          }
          if (explaining != null) {
            writer = explaining;
            outcome = KvModel.apply(prev, explaining.request());
          }
        }
        if (!changing.isEmpty() && writer == null) {
          violations.add(new Violation("duplicate-revision", "revision " + rev
              + " is claimed by " + ids(claimants) + "; each of " + ids(changing)
              + " changes the store at revision " + (rev - 1) + ", but only one can own it"));
          if (writer == null) {
            writer = changing.get(0);
            outcome = KvModel.apply(prev, writer.request());
          }
        }
        if (writer == null) {
          for (Operation c : claimants) {
            if (c.unknown()) {
              violations.add(new Violation("phantom-value", Describe.op(c)
                  + " (unknown outcome) was seen at revision " + rev
                  + " but applied to the store at revision " + (rev - 1) + " it changes nothing"));
            }
          }
          List<Operation> fits = new ArrayList<>();
          for (Operation u : unplaced) {
            if (KvModel.apply(prev, u.request()).wrote()) {
              fits.add(u);
            }
          }
          if (fits.isEmpty()) {
            violations.add(new Violation("revision-gap", "no write in the history produced"
                + " revision " + rev + (claimants.isEmpty() ? "" : "; claimed by "
                + ids(claimants))));
            state = prev.next(new TreeMap<>(prev.kvs()));
            log.put(rev, List.of());
            verifyNonWriters(claimants, null, state);
            continue;
          }
          writer = fits.get(0);
          if (fits.size() > 1) {
            guessed = true;
            notes.add("revision " + rev + " could be any of the unknown-outcome writes "
                + ids(fits) + "; chose op " + writer.id());
          }
          unplaced.remove(writer);
          placed.put(writer, rev);
          outcome = KvModel.apply(prev, writer.request());
        }
        state = outcome.next();
        creators.add(writer);
        writerOfRevision.put(rev, writer);
        log.put(rev, outcome.events());
        if (!writer.unknown()) {
          verify(writer, outcome.response(), rev);
        }
        verifyNonWriters(claimants, writer, state);
      }
    }

    /**
     * Whether another operation had returned revision {@code rev} or a later one before {@code op}
     * was called: then revision {@code rev} existed already and {@code op} cannot have written it
     * (a revoke of a lease whose keys an unknown-outcome delete removed reports the current
     * revision, and in the model at {@code rev - 1} it would still delete them). Only for an
     * operation with a known outcome: an unknown one seen at {@code rev} has no other explanation,
     * and the real-time check reports it.
     */
    boolean calledAfterRevisionExisted(Operation op, long rev) {
      if (op.unknown()) {
        return false;
      }
      for (Operation a : h.operations()) {
        if (!a.unknown() && !a.failed() && a.ret() < op.call() && a.response().revision() >= rev) {
          return true;
        }
      }
      return false;
    }

    /** The claimants, those whose response matches the model's as the writer at prev first. */
    static List<Operation> writersFirst(List<Operation> claimants, KvState prev) {
      List<Operation> first = new ArrayList<>();
      List<Operation> rest = new ArrayList<>();
      for (Operation c : claimants) {
        KvModel.Outcome o = KvModel.apply(prev, c.request());
        boolean matches = c.unknown()
            || KvModel.mismatch(c.request(), o.response(), c.response()) == null;
        (o.wrote() && matches ? first : rest).add(c);
      }
      first.addAll(rest);
      return first;
    }

    boolean othersStill(List<Operation> claimants, Operation writer, KvState after) {
      for (Operation o : claimants) {
        if (o != writer && KvModel.apply(after, o.request()).wrote()) {
          return false;
        }
      }
      return true;
    }

    /** Whether {@code op}'s own answer is the model's {@code outcome} (always, if unknown). */
    static boolean answersAsItDid(Operation op, KvModel.Outcome outcome) {
      return op.unknown()
          || KvModel.mismatch(op.request(), outcome.response(), op.response()) == null;
    }

    /** Whether every other known-outcome claimant writes nothing and answers as it did, after. */
    boolean othersAnswerAsAfter(List<Operation> claimants, Operation writer, KvState after) {
      for (Operation o : claimants) {
        if (o == writer) {
          continue;
        }
        KvModel.Outcome applied = KvModel.apply(after, o.request());
        if (applied.wrote() || (!o.unknown()
            && KvModel.mismatch(o.request(), applied.response(), o.response()) != null)) {
          return false;
        }
      }
      return true;
    }

    void verifyNonWriters(List<Operation> claimants, Operation writer, KvState at) {
      for (Operation c : claimants) {
        if (c != writer && !c.unknown()) {
          verify(c, KvModel.apply(at, c.request()).response(), at.revision());
        }
      }
    }

    void verify(Operation op, Response expected, long rev) {
      String m = KvModel.mismatch(op.request(), expected, op.response());
      if (m == null) {
        return;
      }
      StringBuilder b = new StringBuilder(Describe.op(op)).append(" at revision ").append(rev)
          .append(": ").append(m);
      String rule = "wrong-response";
      if (expected instanceof Response.Range e && op.response() instanceof Response.Range a) {
        rule = "stale-read";
        for (KeyValue kv : e.kvs()) {
          if (!a.kvs().contains(kv)) {
            Operation w = writerOfRevision.get(kv.modRevision());
            if (w != null && !w.unknown()
                && a.kvs().stream().noneMatch(x -> x.key().equals(kv.key()))) {
              rule = "lost-write";
              b.append("; acknowledged write ").append(Describe.op(w)).append(" (revision ")
                  .append(kv.modRevision()).append(") is not visible");
            }
          }
        }
      }
      violations.add(new Violation(rule, b.toString()));
    }

    long maxCompaction() {
      long max = 0;
      for (Operation op : h.operations()) {
        if (op.request() instanceof Request.Compact c && !op.failed()) {
          max = Math.max(max, c.revision());
        }
      }
      return max;
    }

    void checkReadsAgainstCompactions() {
      List<Operation> compactions = h.operations().stream()
          .filter(c -> c.request() instanceof Request.Compact && !c.failed()).toList();
      for (Operation op : h.operations()) {
        if (!(op.request() instanceof Request.Range r) || r.revision() <= 0) {
          continue;
        }
        if (op.response() instanceof Response.Error e
            && Response.Error.COMPACTED.equals(e.message())) {
          boolean allowed = compactions.stream().anyMatch(c ->
              ((Request.Compact) c.request()).revision() > r.revision() && c.call() < op.ret());
          if (!allowed) {
            violations.add(new Violation("wrong-response", Describe.op(op)
                + " failed \"compacted\" but no compaction above revision " + r.revision()
                + " was called before it returned"));
          }
        } else if (op.response() instanceof Response.Range) {
          compactions.stream()
              .filter(c -> !c.unknown() && c.ret() < op.call()
                  && ((Request.Compact) c.request()).revision() > r.revision())
              .findFirst()
              .ifPresent(c -> violations.add(new Violation("read-below-compaction",
                  Describe.op(op) + " was served although " + Describe.op(c)
                      + " had returned before it was called")));
        }
      }
    }

    void checkRealTime() {
      record Point(Operation op, long rev, boolean wrote) {}
      List<Point> points = new ArrayList<>();
      for (Operation op : h.operations()) {
        if (!op.unknown() && !op.failed()) {
          points.add(new Point(op, op.response().revision(), creators.contains(op)));
        }
      }
      placed.forEach((op, rev) -> points.add(new Point(op, rev, true)));
      List<Point> byCall = new ArrayList<>(points);
      byCall.sort(Comparator.comparingLong(p -> p.op().call()));
      List<Point> byReturn = new ArrayList<>(points);
      byReturn.removeIf(p -> p.op().unknown());
      byReturn.sort(Comparator.comparingLong(p -> p.op().ret()));
      int i = 0;
      Point highest = null;
      for (Point b : byCall) {
        while (i < byReturn.size() && byReturn.get(i).op().ret() < b.op().call()) {
          Point a = byReturn.get(i++);
          if (highest == null || a.rev() > highest.rev()) {
            highest = a;
          }
        }
        if (highest == null) {
          continue;
        }
        if (b.rev() < highest.rev() || (b.wrote() && b.rev() == highest.rev())) {
          violations.add(new Violation("revision-regression", Describe.op(b.op())
              + " called at " + b.op().call() + (b.wrote() ? " wrote" : " got")
              + " revision " + b.rev() + ", but " + Describe.op(highest.op())
              + " had already returned revision " + highest.rev() + " at " + highest.op().ret()));
        }
      }
    }

    static String ids(List<Operation> ops) {
      return ops.stream().map(o -> "op " + o.id()).toList().toString();
    }
  }
}
