package io.strata.robustness.checker;

import io.strata.robustness.checker.WatchStream.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * etcd's KV semantics as a pure function: {@code apply(state, request)} gives the next image, the
 * response etcd would send and the watch events of the revision it created (if any).
 *
 * <p>The rules, as etcd's {@code storeTxnWrite}:
 *
 * <ol>
 *   <li>A request (a put, a delete, a txn, a lease revoke) is one write txn; it creates revision
 *       {@code current + 1} iff it changed something. A put always changes; a delete of nothing
 *       does not. All sub-operations of a txn share that revision and see each other's writes.
 *   <li>A put sets mod_revision to the new revision and version to previous + 1; a new key (or one
 *       re-created after a delete) gets create_revision = mod_revision and version 1.
 *   <li>Every response header carries the revision after the request: the new one if it wrote,
 *       else the current one.
 *   <li>Lease expiry is not modelled; a revoke deletes the keys last put with that lease (a later
 *       put without it, or with another lease, detaches the key), all in one revision, and a revoke
 *       of a lease with no keys creates no revision. Whether a lease exists is not checked: a put
 *       or revoke of a missing lease fails in etcd, and failed requests are not replayed. A grant
 *       asking for id 0 lets the server pick the id, so any granted id matches it.
 * </ol>
 *
 * <p>Threading: stateless.
 */
public final class KvModel {

  private KvModel() {}

  /** The result of one request. {@code events} is empty iff {@code next == state}. */
  public record Outcome(KvState next, Response response, List<Event> events) {
    public boolean wrote() {
      return !events.isEmpty();
    }
  }

  public static Outcome apply(KvState state, Request request) {
    if (request instanceof Request.Range r) {
      long rev = r.revision();
      if (rev > state.revision()) {
        return new Outcome(state, new Response.Error(Response.Error.FUTURE_REVISION), List.of());
      }
      if (rev > 0 && rev < state.compactRevision()) {
        return new Outcome(state, new Response.Error(Response.Error.COMPACTED), List.of());
      }
      KvState at = rev <= 0 ? state : state.at(rev);
      List<KeyValue> kvs = at == null ? List.of() : range(at.kvs(), r.range());
      return new Outcome(state, new Response.Range(state.revision(), kvs), List.of());
    }
    if (request instanceof Request.LeaseGrant g) {
      return new Outcome(state, new Response.LeaseGrant(state.revision(), g.id()), List.of());
    }
    if (request instanceof Request.Compact c) {
      if (c.revision() > state.revision()) {
        return new Outcome(state, new Response.Error(Response.Error.FUTURE_REVISION), List.of());
      }
      if (c.revision() <= state.compactRevision()) {
        return new Outcome(state, new Response.Error(Response.Error.COMPACTED), List.of());
      }
      return new Outcome(
          state.compacted(c.revision()), new Response.Compact(state.revision()), List.of());
    }
    Writer w = new Writer(state);
    Response resp = w.run(request);
    if (w.events.isEmpty()) {
      return new Outcome(state, withRevision(resp, state.revision()), List.of());
    }
    KvState next = state.next(w.kvs);
    return new Outcome(next, withRevision(resp, next.revision()), List.copyOf(w.events));
  }

  static List<KeyValue> range(NavigableMap<String, KeyValue> kvs, KeyRange range) {
    if (range.end().isEmpty()) {
      KeyValue kv = kvs.get(range.key());
      return kv == null ? List.of() : List.of(kv);
    }
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue kv : kvs.tailMap(range.key(), true).values()) {
      if (!range.contains(kv.key())) {
        break;
      }
      out.add(kv);
    }
    return out;
  }

  /** One write txn in progress on a copy of the keys. */
  private static final class Writer {
    final long newRevision;
    final TreeMap<String, KeyValue> kvs;
    final List<Event> events = new ArrayList<>();

    Writer(KvState state) {
      this.newRevision = state.revision() + 1;
      this.kvs = new TreeMap<>(state.kvs());
    }

    Response run(Request request) {
      if (request instanceof Request.Range r) {
        return new Response.Range(0, range(kvs, r.range()));
      }
      if (request instanceof Request.Put p) {
        KeyValue prev = kvs.get(p.key());
        KeyValue kv =
            new KeyValue(
                p.key(),
                p.value(),
                prev == null ? newRevision : prev.createRevision(),
                newRevision,
                prev == null ? 1 : prev.version() + 1,
                p.lease());
        kvs.put(p.key(), kv);
        events.add(new Event(Event.Type.PUT, kv));
        return new Response.Put(0, p.prevKv() ? prev : null);
      }
      if (request instanceof Request.Delete d) {
        List<KeyValue> gone = range(kvs, d.range());
        delete(gone);
        return new Response.Delete(0, gone.size(), d.prevKv() ? gone : List.of());
      }
      if (request instanceof Request.LeaseRevoke l) {
        delete(kvs.values().stream().filter(kv -> kv.lease() == l.id()).toList());
        return new Response.LeaseRevoke(0);
      }
      if (request instanceof Request.Txn t) {
        boolean ok = true;
        for (Compare c : t.compares()) {
          ok &= c.holds(kvs.get(c.key()));
        }
        List<Response> subs = new ArrayList<>();
        for (Request sub : ok ? t.success() : t.failure()) {
          subs.add(run(sub));
        }
        return new Response.Txn(0, ok, subs);
      }
      if (request instanceof Request.LeaseGrant g) {
        return new Response.LeaseGrant(0, g.id());
      }
      return new Response.Error("compaction inside a txn");
    }

    private void delete(List<KeyValue> gone) {
      for (KeyValue kv : gone) {
        kvs.remove(kv.key());
        events.add(new Event(Event.Type.DELETE, KeyValue.tombstone(kv.key(), newRevision)));
      }
    }
  }

  private static Response withRevision(Response r, long rev) {
    if (r instanceof Response.Range x) {
      return new Response.Range(rev, x.kvs());
    } else if (r instanceof Response.Put x) {
      return new Response.Put(rev, x.prevKv());
    } else if (r instanceof Response.Delete x) {
      return new Response.Delete(rev, x.deleted(), x.prevKvs());
    } else if (r instanceof Response.Txn x) {
      return new Response.Txn(
          rev, x.succeeded(), x.responses().stream().map(s -> withRevision(s, rev)).toList());
    } else if (r instanceof Response.LeaseGrant x) {
      return new Response.LeaseGrant(rev, x.id());
    } else if (r instanceof Response.LeaseRevoke) {
      return new Response.LeaseRevoke(rev);
    } else if (r instanceof Response.Compact) {
      return new Response.Compact(rev);
    }
    return r;
  }

  /**
   * Why {@code actual} differs from the model's {@code expected} answer to {@code request}, or
   * null if it does not. Fields the client did not ask for (prev kvs) are not compared; header
   * revisions of txn sub-responses are not compared (clients often do not record them).
   */
  public static String mismatch(Request request, Response expected, Response actual) {
    if (actual instanceof Response.Error || expected instanceof Response.Error) {
      return Objects.equals(expected, actual) ? null : "expected " + expected + ", saw " + actual;
    }
    if (expected.revision() != actual.revision()) {
      return "header revision: expected " + expected.revision() + ", saw " + actual.revision();
    }
    return body(request, expected, actual);
  }

  private static String body(Request request, Response expected, Response actual) {
    if (expected.getClass() != actual.getClass()) {
      return "expected a " + expected.getClass().getSimpleName() + " response, saw " + actual;
    }
    if (expected instanceof Response.Range e) {
      List<KeyValue> seen = new ArrayList<>(((Response.Range) actual).kvs());
      seen.sort((a, b) -> a.key().compareTo(b.key()));
      return e.kvs().equals(seen) ? null : "expected " + e.kvs() + ", saw " + seen;
    }
    if (expected instanceof Response.Put e) {
      Request.Put p = (Request.Put) request;
      KeyValue seen = ((Response.Put) actual).prevKv();
      return !p.prevKv() || Objects.equals(e.prevKv(), seen)
          ? null
          : "prev kv: expected " + e.prevKv() + ", saw " + seen;
    }
    if (expected instanceof Response.Delete e) {
      Response.Delete a = (Response.Delete) actual;
      if (e.deleted() != a.deleted()) {
        return "deleted: expected " + e.deleted() + ", saw " + a.deleted();
      }
      Request.Delete d = (Request.Delete) request;
      return !d.prevKv() || e.prevKvs().equals(a.prevKvs())
          ? null
          : "prev kvs: expected " + e.prevKvs() + ", saw " + a.prevKvs();
    }
    if (expected instanceof Response.LeaseGrant) {
      long asked = ((Request.LeaseGrant) request).id();
      long granted = ((Response.LeaseGrant) actual).id();
      return asked == 0 || asked == granted
          ? null
          : "lease id: asked for " + asked + ", granted " + granted;
    }
    if (expected instanceof Response.Txn e) {
      Response.Txn a = (Response.Txn) actual;
      if (e.succeeded() != a.succeeded()) {
        return "succeeded: expected " + e.succeeded() + ", saw " + a.succeeded();
      }
      Request.Txn t = (Request.Txn) request;
      List<Request> branch = e.succeeded() ? t.success() : t.failure();
      if (a.responses().size() != e.responses().size()) {
        return "expected " + e.responses().size() + " txn responses, saw " + a.responses().size();
      }
      for (int i = 0; i < branch.size(); i++) {
        String m = body(branch.get(i), e.responses().get(i), a.responses().get(i));
        if (m != null) {
          return "txn op " + i + ": " + m;
        }
      }
    }
    return null;
  }
}
