package io.strata.robustness.checker;

import io.strata.robustness.checker.WatchStream.Event;
import io.strata.robustness.checker.WatchStream.Reply;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Watch guarantees (etcd's robustness suite names), each stream against the write log of the
 * replay, so agreement between watchers follows from agreement with the log:
 *
 * <ul>
 *   <li><b>Ordered</b>: event revisions never go back, within a reply or across replies.
 *   <li><b>Unique</b>: no (revision, key) is delivered twice.
 *   <li><b>Atomic</b>: the matching events of one revision arrive in one reply, all of them.
 *   <li><b>Reliable / resumable</b>: from the start revision on there is no gap: every matching
 *       event of the log up to the last revision the stream vouched for (its last event or
 *       progress notification) was delivered.
 *   <li><b>Bookmarkable</b>: a progress notification at H comes only after every matching event
 *       up to H, and no event at or below H follows it.
 *   <li><b>Agreement</b>: every delivered event equals the log's event (type, key, value, create
 *       and mod revision, version, lease; for deletes the key and revision).
 *   <li>A cancel for compaction names a compaction revision above what the stream had reached and
 *       at or below a requested compaction, and ends the stream.
 * </ul>
 *
 * <p>Threading: a static function of its input.
 */
final class WatchChecker {

  private WatchChecker() {}

  static List<Violation> check(History h, Map<Long, List<Event>> log, long maxCompaction) {
    List<Violation> out = new ArrayList<>();
    for (WatchStream w : h.watches()) {
      new StreamCheck(w, log, maxCompaction, out).run();
    }
    return out;
  }

  private static final class StreamCheck {
    final WatchStream w;
    final Map<Long, List<Event>> log;
    final long maxCompaction;
    final List<Violation> out;
    long next;
    final Set<Long> deliveredRevisions = new HashSet<>();
    final Set<String> delivered = new HashSet<>();

    StreamCheck(WatchStream w, Map<Long, List<Event>> log, long maxCompaction,
        List<Violation> out) {
      this.w = w;
      this.log = log;
      this.maxCompaction = maxCompaction;
      this.out = out;
      this.next = w.startRevision();
    }

    String at(int i) {
      return "watch " + w.id() + " (client " + w.client() + ", " + w.range() + " from rev "
          + w.startRevision() + ") reply " + i;
    }

    List<Event> expected(long rev) {
      return log.getOrDefault(rev, List.of()).stream()
          .filter(e -> w.range().contains(e.kv().key())).toList();
    }

    /** Matching log events in [from, to] not delivered yet. */
    List<Event> undelivered(long from, long to) {
      List<Event> missing = new ArrayList<>();
      for (long r = from; r <= to; r++) {
        for (Event e : expected(r)) {
          if (!delivered.contains(r + "/" + e.kv().key())) {
            missing.add(e);
          }
        }
      }
      return missing;
    }

    void run() {
      boolean ended = false;
      for (int i = 0; i < w.responses().size(); i++) {
        Reply reply = w.responses().get(i);
        if (ended) {
          out.add(new Violation("watch-cancel", at(i) + " arrived after the stream was canceled"));
          break;
        }
        if (reply.compactRevision() > 0) {
          ended = true;
          if (reply.compactRevision() <= next || reply.compactRevision() > maxCompaction) {
            out.add(new Violation("watch-cancel", at(i) + " canceled the stream as compacted at "
                + reply.compactRevision() + " but the stream was at revision " + next
                + " and the highest requested compaction is " + maxCompaction));
          }
          continue;
        }
        if (reply.progress()) {
          List<Event> missing = undelivered(next, reply.revision());
          if (!missing.isEmpty()) {
            out.add(new Violation("watch-bookmarkable", at(i) + " is a progress notification at"
                + " revision " + reply.revision() + " but these events were not delivered before"
                + " it: " + missing));
            missing.forEach(e -> delivered.add(e.revision() + "/" + e.kv().key()));
          }
          next = Math.max(next, reply.revision() + 1);
          continue;
        }
        Map<Long, List<Event>> byRevision = new LinkedHashMap<>();
        long last = -1;
        for (Event e : reply.events()) {
          if (e.revision() < last) {
            out.add(new Violation("watch-ordered", at(i) + ": event " + e + " after an event of"
                + " revision " + last + " in the same reply"));
          }
          last = Math.max(last, e.revision());
          byRevision.computeIfAbsent(e.revision(), r -> new ArrayList<>()).add(e);
        }
        for (Map.Entry<Long, List<Event>> g : byRevision.entrySet()) {
          events(i, g.getKey(), g.getValue());
        }
      }
    }

    void events(int i, long rev, List<Event> events) {
      if (rev < next) {
        for (Event e : events) {
          String id = rev + "/" + e.kv().key();
          if (delivered.contains(id)) {
            out.add(new Violation("watch-unique", at(i) + " delivers " + e + " again"));
          } else if (deliveredRevisions.contains(rev)) {
            out.add(new Violation("watch-atomic", at(i) + " delivers " + e + " of revision "
                + rev + " apart from the other events of that revision"));
            delivered.add(id);
          } else {
            out.add(new Violation("watch-ordered", at(i) + " delivers " + e
                + " after the stream had reached revision " + (next - 1)));
            delivered.add(id);
          }
        }
        return;
      }
      List<Event> missing = undelivered(next, rev - 1);
      if (!missing.isEmpty()) {
        out.add(new Violation("watch-reliable", at(i) + " jumps to revision " + rev
            + " but these events were never delivered: " + missing));
      }
      List<Event> expected = expected(rev);
      Set<String> keys = new HashSet<>();
      for (Event e : events) {
        if (!keys.add(e.kv().key())) {
          out.add(new Violation("watch-unique", at(i) + " delivers " + e + " twice"));
          continue;
        }
        Event want = expected.stream()
            .filter(x -> x.kv().key().equals(e.kv().key())).findFirst().orElse(null);
        if (want == null) {
          out.add(new Violation("watch-agreement", at(i) + " delivers " + e + " but revision "
              + rev + " of the write log has " + expected));
        } else if (!same(want, e)) {
          out.add(new Violation("watch-agreement", at(i) + ": expected " + want + ", saw " + e));
        }
      }
      List<Event> absent = expected.stream().filter(x -> !keys.contains(x.kv().key())).toList();
      if (!absent.isEmpty() && keys.size() > 0) {
        out.add(new Violation("watch-atomic", at(i) + " carries " + events + " of revision " + rev
            + " without " + absent));
      }
      deliveredRevisions.add(rev);
      for (String k : keys) {
        delivered.add(rev + "/" + k);
      }
      next = rev + 1;
    }

    static boolean same(Event want, Event seen) {
      if (want.type() != seen.type()) {
        return false;
      }
      if (want.type() == Event.Type.DELETE) {
        return want.kv().key().equals(seen.kv().key())
            && want.kv().modRevision() == seen.kv().modRevision();
      }
      return want.kv().equals(seen.kv());
    }
  }
}
