package io.strata.robustness.checker;

import io.strata.robustness.checker.WatchStream.Event;
import io.strata.robustness.checker.WatchStream.Reply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Histories as JSON lines, one object a line, so a recorder can append as it goes and a failed
 * run's history can be re-checked by {@link CheckHistoryCommand}:
 *
 * <pre>
 * {"initialRevision":1}                                       (optional, first line)
 * {"op":1,"client":0,"call":100,"return":250,
 *  "request":{"type":"put","key":"k1","value":"v-0-1","lease":0,"prevKv":false},
 *  "response":{"type":"put","revision":2,"prevKv":null}}
 * {"op":2,"client":1,"call":300,"return":null,"request":{"type":"delete","key":"k1","end":""},
 *  "response":null}                                           (unknown outcome)
 * {"watch":1,"client":9,"key":"k","end":"l","start":2,"responses":[
 *   {"revision":3,"compact":0,"progress":false,"events":[{"type":"PUT","kv":{"key":"k1",
 *    "value":"v-0-1","create":2,"mod":2,"version":1,"lease":0}}]}]}
 * </pre>
 *
 * Request types: range (key, end, revision), put (key, value, lease, prevKv), delete (key, end,
 * prevKv), txn (compares [key, target VERSION|CREATE|MOD|VALUE, result EQUAL|GREATER|LESS|
 * NOT_EQUAL, number, value], success, failure), leaseGrant (id, ttl), leaseRevoke (id), compact
 * (revision). Response types: the same names with revision and range (kvs), put (prevKv), delete
 * (deleted, prevKvs), txn (succeeded, responses), leaseGrant (id); plus error (message). Times
 * are nanos of one monotonic clock; {@code "return":null} means ∞.
 *
 * <p>Threading: stateless.
 */
public final class HistoryCodec {
  private HistoryCodec() {}

  public static History read(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r.lines().toList(), file.toString());
    }
  }

  static History read(List<String> lines, String name) {
    long initial = 1;
    List<Operation> ops = new ArrayList<>();
    List<WatchStream> watches = new ArrayList<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        Map<?, ?> m = (Map<?, ?>) Json.parse(line);
        if (m.containsKey("initialRevision")) {
          initial = num(m, "initialRevision");
        } else if (m.containsKey("op")) {
          Object ret = m.get("return");
          ops.add(new Operation((int) num(m, "op"), (int) num(m, "client"), num(m, "call"),
              ret == null ? Operation.INFINITY : (Long) ret, request(map(m, "request")),
              m.get("response") == null ? null : response(map(m, "response"))));
        } else if (m.containsKey("watch")) {
          List<Reply> replies = new ArrayList<>();
          for (Object o : list(m, "responses")) {
            Map<?, ?> r = (Map<?, ?>) o;
            List<Event> events = new ArrayList<>();
            for (Object e : list(r, "events")) {
              Map<?, ?> em = (Map<?, ?>) e;
              events.add(new Event(Event.Type.valueOf(str(em, "type")), kv(map(em, "kv"))));
            }
            replies.add(new Reply(num(r, "revision"), num(r, "compact"),
                Boolean.TRUE.equals(r.get("progress")), events));
          }
          watches.add(new WatchStream((int) num(m, "watch"), (int) num(m, "client"),
              new KeyRange(str(m, "key"), str(m, "end")), num(m, "start"), replies));
        } else {
          throw new IllegalArgumentException("neither an op nor a watch");
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(name + ":" + (n + 1) + ": " + e.getMessage(), e);
      }
    }
    return new History(initial, ops, watches);
  }

  public static void write(History h, Writer out) throws IOException {
    out.write(Json.write(Map.of("initialRevision", h.initialRevision())) + "\n");
    for (Operation op : h.operations()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("op", op.id());
      m.put("client", op.client());
      m.put("call", op.call());
      m.put("return", op.unknown() ? null : op.ret());
      m.put("request", request(op.request()));
      m.put("response", op.unknown() ? null : response(op.response()));
      out.write(Json.write(m) + "\n");
    }
    for (WatchStream w : h.watches()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("watch", w.id());
      m.put("client", w.client());
      m.put("key", w.range().key());
      m.put("end", w.range().end());
      m.put("start", w.startRevision());
      List<Object> replies = new ArrayList<>();
      for (Reply r : w.responses()) {
        Map<String, Object> rm = new LinkedHashMap<>();
        rm.put("revision", r.revision());
        rm.put("compact", r.compactRevision());
        rm.put("progress", r.progress());
        rm.put("events", r.events().stream().map(e -> {
          Map<String, Object> em = new LinkedHashMap<>();
          em.put("type", e.type().name());
          em.put("kv", kv(e.kv()));
          return (Object) em;
        }).toList());
        replies.add(rm);
      }
      m.put("responses", replies);
      out.write(Json.write(m) + "\n");
    }
  }

  private static Map<String, Object> obj(String type, Object... kvs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    for (int i = 0; i < kvs.length; i += 2) {
      m.put((String) kvs[i], kvs[i + 1]);
    }
    return m;
  }

  static Map<String, Object> request(Request r) {
    if (r instanceof Request.Range x) {
      return obj("range", "key", x.range().key(), "end", x.range().end(), "revision", x.revision());
    } else if (r instanceof Request.Put x) {
      return obj("put", "key", x.key(), "value", x.value(), "lease", x.lease(), "prevKv",
          x.prevKv());
    } else if (r instanceof Request.Delete x) {
      return obj("delete", "key", x.range().key(), "end", x.range().end(), "prevKv", x.prevKv());
    } else if (r instanceof Request.Txn x) {
      return obj("txn", "compares", x.compares().stream().map(c -> (Object) obj("compare",
              "key", c.key(), "target", c.target().name(), "result", c.result().name(),
              "number", c.number(), "value", c.value())).toList(),
          "success", x.success().stream().map(s -> (Object) request(s)).toList(),
          "failure", x.failure().stream().map(s -> (Object) request(s)).toList());
    } else if (r instanceof Request.LeaseGrant x) {
      return obj("leaseGrant", "id", x.id(), "ttl", x.ttlSeconds());
    } else if (r instanceof Request.LeaseRevoke x) {
      return obj("leaseRevoke", "id", x.id());
    }
    return obj("compact", "revision", ((Request.Compact) r).revision());
  }

  static Request request(Map<?, ?> m) {
    String type = str(m, "type");
    return switch (type) {
      case "range" -> new Request.Range(range(m), num(m, "revision"));
      case "put" -> new Request.Put(str(m, "key"), str(m, "value"), num(m, "lease"),
          Boolean.TRUE.equals(m.get("prevKv")));
      case "delete" -> new Request.Delete(range(m), Boolean.TRUE.equals(m.get("prevKv")));
      case "txn" -> new Request.Txn(
          list(m, "compares").stream().map(o -> {
            Map<?, ?> c = (Map<?, ?>) o;
            return new Compare(str(c, "key"), Compare.Target.valueOf(str(c, "target")),
                Compare.Result.valueOf(str(c, "result")), num(c, "number"),
                (String) c.get("value"));
          }).toList(),
          list(m, "success").stream().map(o -> request((Map<?, ?>) o)).toList(),
          list(m, "failure").stream().map(o -> request((Map<?, ?>) o)).toList());
      case "leaseGrant" -> new Request.LeaseGrant(num(m, "id"), num(m, "ttl"));
      case "leaseRevoke" -> new Request.LeaseRevoke(num(m, "id"));
      case "compact" -> new Request.Compact(num(m, "revision"));
      default -> throw new IllegalArgumentException("unknown request type " + type);
    };
  }

  static Map<String, Object> response(Response r) {
    if (r instanceof Response.Range x) {
      return obj("range", "revision", x.revision(),
          "kvs", x.kvs().stream().map(k -> (Object) kv(k)).toList());
    } else if (r instanceof Response.Put x) {
      return obj("put", "revision", x.revision(), "prevKv", x.prevKv() == null ? null
          : kv(x.prevKv()));
    } else if (r instanceof Response.Delete x) {
      return obj("delete", "revision", x.revision(), "deleted", x.deleted(),
          "prevKvs", x.prevKvs().stream().map(k -> (Object) kv(k)).toList());
    } else if (r instanceof Response.Txn x) {
      return obj("txn", "revision", x.revision(), "succeeded", x.succeeded(),
          "responses", x.responses().stream().map(s -> (Object) response(s)).toList());
    } else if (r instanceof Response.LeaseGrant x) {
      return obj("leaseGrant", "revision", x.revision(), "id", x.id());
    } else if (r instanceof Response.LeaseRevoke x) {
      return obj("leaseRevoke", "revision", x.revision());
    } else if (r instanceof Response.Compact x) {
      return obj("compact", "revision", x.revision());
    }
    return obj("error", "message", ((Response.Error) r).message());
  }

  static Response response(Map<?, ?> m) {
    String type = str(m, "type");
    return switch (type) {
      case "range" -> new Response.Range(num(m, "revision"),
          list(m, "kvs").stream().map(o -> kv((Map<?, ?>) o)).toList());
      case "put" -> new Response.Put(num(m, "revision"),
          m.get("prevKv") == null ? null : kv(map(m, "prevKv")));
      case "delete" -> new Response.Delete(num(m, "revision"), num(m, "deleted"),
          list(m, "prevKvs").stream().map(o -> kv((Map<?, ?>) o)).toList());
      case "txn" -> new Response.Txn(num(m, "revision"), Boolean.TRUE.equals(m.get("succeeded")),
          list(m, "responses").stream().map(o -> response((Map<?, ?>) o)).toList());
      case "leaseGrant" -> new Response.LeaseGrant(num(m, "revision"), num(m, "id"));
      case "leaseRevoke" -> new Response.LeaseRevoke(num(m, "revision"));
      case "compact" -> new Response.Compact(num(m, "revision"));
      case "error" -> new Response.Error(str(m, "message"));
      default -> throw new IllegalArgumentException("unknown response type " + type);
    };
  }

  private static Map<String, Object> kv(KeyValue kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", kv.key());
    m.put("value", kv.value());
    m.put("create", kv.createRevision());
    m.put("mod", kv.modRevision());
    m.put("version", kv.version());
    m.put("lease", kv.lease());
    return m;
  }

  private static KeyValue kv(Map<?, ?> m) {
    return new KeyValue(str(m, "key"), (String) m.get("value"), num(m, "create"), num(m, "mod"),
        num(m, "version"), num(m, "lease"));
  }

  private static KeyRange range(Map<?, ?> m) {
    return new KeyRange(str(m, "key"), (String) m.get("end"));
  }

  private static long num(Map<?, ?> m, String k) {
    Object v = m.get(k);
    return v == null ? 0 : (Long) v;
  }

  private static String str(Map<?, ?> m, String k) {
    Object v = m.get(k);
    if (v == null) {
      throw new IllegalArgumentException("missing \"" + k + "\"");
    }
    return (String) v;
  }

  private static Map<?, ?> map(Map<?, ?> m, String k) {
    return (Map<?, ?>) m.get(k);
  }

  private static List<?> list(Map<?, ?> m, String k) {
    Object v = m.get(k);
    return v == null ? List.of() : (List<?>) v;
  }
}
