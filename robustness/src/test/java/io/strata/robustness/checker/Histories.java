package io.strata.robustness.checker;

import io.strata.robustness.checker.WatchStream.Event;
import io.strata.robustness.checker.WatchStream.Reply;
import java.util.ArrayList;
import java.util.List;

/** A builder of hand-made histories for the checker's tests. Times are plain ticks. */
final class Histories {
  private final List<Operation> ops = new ArrayList<>();
  private final List<WatchStream> watches = new ArrayList<>();

  Histories op(int client, long call, long ret, Request req, Response resp) {
    ops.add(new Operation(ops.size() + 1, client, call, ret, req, resp));
    return this;
  }

  Histories put(int client, long call, long ret, String key, String value, long rev) {
    return op(client, call, ret, put(key, value), new Response.Put(rev, null));
  }

  /** A put whose outcome the client never learned. */
  Histories putUnknown(int client, long call, String key, String value) {
    return op(client, call, Operation.INFINITY, put(key, value), null);
  }

  Histories get(int client, long call, long ret, String key, long rev, KeyValue... kvs) {
    return op(client, call, ret, new Request.Range(KeyRange.single(key), 0),
        new Response.Range(rev, List.of(kvs)));
  }

  Histories delete(int client, long call, long ret, String key, long deleted, long rev) {
    return op(client, call, ret, new Request.Delete(KeyRange.single(key), false),
        new Response.Delete(rev, deleted, List.of()));
  }

  Histories watch(KeyRange range, long start, Reply... replies) {
    watches.add(new WatchStream(watches.size() + 1, 100 + watches.size(), range, start,
        List.of(replies)));
    return this;
  }

  History build() {
    return History.of(ops, watches);
  }

  static Request.Put put(String key, String value) {
    return new Request.Put(key, value, 0, false);
  }

  static KeyValue kv(String key, String value, long create, long mod, long version) {
    return new KeyValue(key, value, create, mod, version, 0);
  }

  static Event putEvent(String key, String value, long create, long mod, long version) {
    return new Event(Event.Type.PUT, kv(key, value, create, mod, version));
  }

  static Event deleteEvent(String key, long rev) {
    return new Event(Event.Type.DELETE, KeyValue.tombstone(key, rev));
  }
}
