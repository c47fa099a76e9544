package io.strata.robustness.checker;

import java.util.List;

/**
 * One watcher: what it watched from which revision, and every response it received, in order.
 * {@code startRevision} is the first revision it asked for (for a watch "from now", the recorder
 * writes the created response's header revision + 1).
 */
public record WatchStream(
    int id, int client, KeyRange range, long startRevision, List<Reply> responses) {

  public WatchStream {
    responses = List.copyOf(responses);
  }

  /**
   * One watch response: events, a progress notification (no events, {@code progress} set; its
   * header revision promises every event up to it was sent), or a cancel because of compaction.
   */
  public record Reply(long revision, long compactRevision, boolean progress, List<Event> events) {
    public Reply {
      events = events == null ? List.of() : List.copyOf(events);
    }

    public static Reply events(long headerRevision, Event... events) {
      return new Reply(headerRevision, 0, false, List.of(events));
    }

    public static Reply progress(long headerRevision) {
      return new Reply(headerRevision, 0, true, List.of());
    }
  }

  public record Event(Type type, KeyValue kv) {
    public enum Type { PUT, DELETE }

    public long revision() {
      return kv.modRevision();
    }

    @Override
    public String toString() {
      return type + " " + (type == Type.PUT ? kv.toString() : kv.key() + "@" + kv.modRevision());
    }
  }
}
