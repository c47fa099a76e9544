package io.strata.storage;

import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * The change history of a key range, as etcd watch events: what happened at main revisions
 * [from, to], in (main, sub) order, read from one {@link ReadView} (a consistent snapshot).
 *
 * <p>Range conventions are {@link KvReads}'s: an empty {@code rangeEnd} means just {@code key}, a
 * {@code rangeEnd} of one 0x00 byte means every key from {@code key} on.
 *
 * <p>Each event is a PUT with the version's full KeyValue, or a DELETE whose kv carries only key
 * and mod_revision (etcd's tombstone). With {@code prevKv}, an event carries the key's newest
 * version below the event's main revision, unless that version was deleted or its revision is
 * below the compact revision (etcd reads prev_kv at {@code mod_revision - 1} and gets nothing from
 * a compacted revision).
 *
 * <p>Reads are bounded: one call looks at about {@code limit} changes (and, if asked, about a
 * byte budget of events), then stops at the next revision boundary, so a revision's events always come together and a far-behind reader catches
 * up call by call ({@link Page#nextRevision()} says where to continue).
 *
 * <p>Two access paths with the same result:
 * <ol>
 *   <li>a single key walks that key's versions in the {@code kv} family (cost: its versions in
 *       [from, to]);</li>
 *   <li>a range walks the {@code revisions} family from {@code from} (cost: every change in the
 *       window, matching or not) and fetches each matching version by its key.</li>
 * </ol>
 *
 * <p>Threading: as the {@link ReadView} it reads through (one thread at a time). Stateless.
 */
public final class KvHistory {
  /** Changes looked at per call unless the caller says otherwise. */
  public static final int DEFAULT_LIMIT = 1000;

  private KvHistory() {}

  /**
   * Events of main revisions [from, nextRevision).
   *
   * @param events       in (main, sub) order; every revision in the window is complete
   * @param nextRevision the first revision not covered: continue from here; above {@code to}
   *                     when the window was read to its end
   */
  public record Page(List<Event> events, long nextRevision) {
    public Page {
      events = Collections.unmodifiableList(events);
    }

    /** True when the page covers the requested window up to {@code to}. */
    public boolean reached(long to) {
      return nextRevision > to;
    }
  }

  /**
   * Reads the events of [from, min(to, current revision)] for the range, at most about
   * {@code limit} changes (whole revisions only; at least one revision when there is one).
   *
   * @throws RevisionUnavailableException (COMPACTED) when {@code from} is below the view's
   *     compact revision
   */
  public static Page read(ReadView view, byte[] key, byte[] rangeEnd, long from, long to,
      boolean prevKv, int limit) {
    return read(view, key, rangeEnd, from, to, prevKv, limit, Long.MAX_VALUE);
  }

  /**
   * Like {@link #read(ReadView, byte[], byte[], long, long, boolean, int)}, and also stops at the
   * first revision boundary after the events read so far take {@code byteBudget} serialized bytes.
   */
  public static Page read(ReadView view, byte[] key, byte[] rangeEnd, long from, long to,
      boolean prevKv, int limit, long byteBudget) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    long compacted = view.compactRevision();
    if (from < compacted) {
      throw new RevisionUnavailableException(RevisionUnavailableException.Reason.COMPACTED, from, compacted);
    }
    long start = Math.max(from, 1);
    long end = Math.min(to, view.currentRevision());
    if (start > end) {
      return new Page(List.of(), Math.max(from, end + 1));
    }
    return rangeEnd.length == 0
        ? readKey(view, key, start, end, prevKv, compacted, limit, byteBudget)
        : readRange(view, key, rangeEnd, start, end, prevKv, compacted, limit, byteBudget);
  }

  /** Path 1: the versions of one key, oldest first. Keys sort newest first, so walk backwards. */
  private static Page readKey(ReadView view, byte[] key, long from, long to, boolean prevKv,
      long compacted, int limit, long byteBudget) {
    List<Event> events = new ArrayList<>();
    long bytes = 0;
    byte[] prefix = KeyCodec.versionsPrefix(key);
    try (RocksIterator it = view.iterator(ColumnFamily.KV)) {
      // The last entry at or before ~from is the version with the smallest main >= from.
      it.seekForPrev(KeyCodec.versionKeyUnder(prefix, from));
      VersionRecord older = null;
      boolean olderKnown = false;
      for (; it.isValid() && KeyCodec.hasPrefix(it.key(), prefix); it.prev()) {
        long main = KeyCodec.mainRevisionOf(it.key());
        if (main < from) {
          continue; // cannot happen after seekForPrev; kept so a wrong seek never yields old events
        }
        if (main > to) {
          break;
        }
        if (events.size() >= limit || bytes >= byteBudget) {
          return new Page(events, main);
        }
        VersionRecord record = VersionRecord.fromBytes(it.value());
        KeyValue previous = null;
        if (prevKv && main - 1 >= compacted) {
          previous = olderKnown ? live(older) : newestBelow(view, prefix, main);
        }
        Event event = event(record, previous);
        events.add(event);
        bytes += event.getSerializedSize();
        older = record;
        olderKnown = true;
      }
    }
    return new Page(events, to + 1);
  }

  /** Path 2: the revision log from {@code from}, keeping the changes inside the range. */
  private static Page readRange(ReadView view, byte[] key, byte[] rangeEnd, long from, long to,
      boolean prevKv, long compacted, int limit, long byteBudget) {
    List<Event> events = new ArrayList<>();
    long bytes = 0;
    boolean unbounded = rangeEnd.length == 1 && rangeEnd[0] == 0;
    int looked = 0;
    long currentMain = -1;
    try (RocksIterator changes = view.iterator(ColumnFamily.REVISIONS);
         RocksIterator versions = prevKv ? view.iterator(ColumnFamily.KV) : null) {
      for (changes.seek(new Revision(from, 0).toBytes()); changes.isValid(); changes.next()) {
        Revision revision = Revision.fromBytes(changes.key());
        if (revision.main() > to) {
          break;
        }
        if (revision.main() != currentMain) {
          if (looked >= limit || bytes >= byteBudget) {
            return new Page(events, revision.main());
          }
          currentMain = revision.main();
        }
        looked++;
        RevisionRecord change = RevisionRecord.decode(changes.value());
        byte[] userKey = change.userKey();
        if (!inRange(userKey, key, rangeEnd, unbounded)) {
          continue;
        }
        byte[] versionBytes = view.getRaw(ColumnFamily.KV, KeyCodec.versionKey(userKey, revision.main()));
        if (versionBytes == null) {
          throw new StorageCorruptedException("revision " + revision + " names a version that is missing");
        }
        VersionRecord record = VersionRecord.fromBytes(versionBytes);
        KeyValue previous = null;
        if (prevKv && revision.main() - 1 >= compacted) {
          previous = newestBelow(versions, KeyCodec.versionsPrefix(userKey), revision.main());
        }
        Event event = event(record, previous);
        events.add(event);
        bytes += event.getSerializedSize();
      }
    }
    return new Page(events, to + 1);
  }

  private static KeyValue newestBelow(ReadView view, byte[] prefix, long main) {
    try (RocksIterator it = view.iterator(ColumnFamily.KV)) {
      return newestBelow(it, prefix, main);
    }
  }

  /** The live version of the key at {@code main - 1}, or null. */
  private static KeyValue newestBelow(RocksIterator it, byte[] prefix, long main) {
    it.seek(KeyCodec.versionKeyUnder(prefix, main - 1));
    if (!it.isValid() || !KeyCodec.hasPrefix(it.key(), prefix)) {
      return null;
    }
    return live(VersionRecord.fromBytes(it.value()));
  }

  private static KeyValue live(VersionRecord record) {
    return record == null || record.tombstone() ? null : record.keyValue();
  }

  private static Event event(VersionRecord record, KeyValue previous) {
    Event.Builder event = Event.newBuilder()
        .setType(record.tombstone() ? Event.EventType.DELETE : Event.EventType.PUT)
        .setKv(record.keyValue());
    if (previous != null) {
      event.setPrevKv(previous);
    }
    return event.build();
  }

  /** True when {@code userKey} is in the range (same conventions as {@link #read}). */
  public static boolean inRange(byte[] userKey, byte[] key, byte[] rangeEnd) {
    return inRange(userKey, key, rangeEnd, rangeEnd.length == 1 && rangeEnd[0] == 0);
  }

  private static boolean inRange(byte[] userKey, byte[] key, byte[] rangeEnd, boolean unbounded) {
    if (rangeEnd.length == 0) {
      return Arrays.equals(userKey, key);
    }
    if (Arrays.compareUnsigned(userKey, key) < 0) {
      return false;
    }
    return unbounded || Arrays.compareUnsigned(userKey, rangeEnd) < 0;
  }
}
