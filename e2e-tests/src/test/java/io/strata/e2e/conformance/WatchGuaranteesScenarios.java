package io.strata.e2e.conformance;

import static io.strata.e2e.conformance.WatchStreamClient.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd's watch guarantees under concurrent traffic on a 3-member cluster.
 *
 * <p>Several clients write (puts, deletes, multi-key txns) through every member while watchers on
 * every member follow the key space: live ones, ones starting at revision 1, in the middle of the
 * history or in the future, a single-key one, a fragmenting one, one that is closed and resumed on another member,
 * and, after a compaction in the middle of the traffic, one that starts below it (compacted) and one
 * just above it. Afterwards every watcher's events are checked against the acknowledged writes:
 *
 * <ol>
 *   <li><b>complete</b>: exactly the acknowledged events of its range from its start revision;</li>
 *   <li><b>ordered and unique</b>: by revision, then in the order of the writes inside a txn;</li>
 *   <li><b>atomic</b>: a revision's events come in one response (or one run of fragments);</li>
 *   <li><b>agreed</b>: watchers with overlapping ranges saw the same events for each revision;</li>
 *   <li><b>resumable</b>: the closed watcher plus its resumption on another member is complete;</li>
 *   <li><b>prev_kv</b> is the key's previous value.</li>
 * </ol>
 */
public abstract class WatchGuaranteesScenarios {
  private static final String PREFIX = "/g/";
  private static final int KEYS = 12;
  private static final int WRITERS = 4;
  /** Each writer writes at least this much before the watchers join ... */
  private static final int OPS_BEFORE_WATCHERS = 40;
  /** ... and goes on until told to stop, but never beyond this. */
  private static final int MAX_OPS_PER_WRITER = 3000;
  /** Writes that must follow the compaction before the writers stop. */
  private static final int WRITES_AFTER_COMPACTION = 100;
  private static final Duration WAIT = Duration.ofSeconds(90);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected abstract Backend backend();

  /** One acknowledged write's events, in the order the write made them. */
  private record Expected(String type, String key, String value) {}

  /** A watcher under test and what it must see. */
  private static final class Watcher {
    final String name;
    final WatchStreamClient client;
    final long watchId;
    final String key;
    final String rangeEnd;
    final boolean prevKv;
    final List<WatchResponse> responses = new ArrayList<>();
    long from;
    boolean canceled;

    Watcher(String name, WatchStreamClient client, long watchId, String key, String rangeEnd, boolean prevKv) {
      this.name = name;
      this.client = client;
      this.watchId = watchId;
      this.key = key;
      this.rangeEnd = rangeEnd;
      this.prevKv = prevKv;
    }

    boolean contains(String k) {
      if (rangeEnd.isEmpty()) {
        return k.equals(key);
      }
      return k.compareTo(key) >= 0 && k.compareTo(rangeEnd) < 0;
    }

    /** Moves what arrived into {@link #responses}; returns the number of events so far. */
    int drain() {
      for (WatchResponse r = client.poll(); r != null; r = client.poll()) {
        if (r.getWatchId() != watchId) {
          continue;
        }
        if (r.getCanceled()) {
          canceled = true;
        }
        responses.add(r);
      }
      return events().size();
    }

    List<Event> events() {
      List<Event> all = new ArrayList<>();
      responses.forEach(r -> all.addAll(r.getEventsList()));
      return all;
    }

    long lastRevision() {
      List<Event> all = events();
      return all.isEmpty() ? from - 1 : all.get(all.size() - 1).getKv().getModRevision();
    }
  }

  private Cluster cluster;
  private final ConcurrentSkipListMap<Long, List<Expected>> acked = new ConcurrentSkipListMap<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private volatile boolean stop;

  @Test
  void every_watcher_sees_exactly_the_acknowledged_history_of_its_range() throws Exception {
    cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    try {
      run();
    } finally {
      for (AutoCloseable c : open) {
        c.close();
      }
    }
  }

  private void run() throws Exception {
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    CountDownLatch warmedUp = new CountDownLatch(WRITERS);
    List<Future<?>> writing = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      writing.add(writers.submit(() -> {
        write(writer, warmedUp);
        return null;
      }));
    }
    try {
      // Some history first; then watchers join while the writes go on.
      assertThat(warmedUp.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the first writes").isTrue();
      long middle = Math.max(2, complete() / 2);
      List<Watcher> watchers = new ArrayList<>();
      watchers.add(watch("live-all@n1", 0, 0, PREFIX, prefixEnd(PREFIX), false, false));
      watchers.add(watch("history-all-prevkv@n2", 1, 1, PREFIX, prefixEnd(PREFIX), true, false));
      watchers.add(watch("history-k3@n3", 2, 1, key(3), "", false, false));
      watchers.add(watch("middle-range-fragment@n2", 1, middle, key(1), key(5), false, true));
      watchers.add(watch("future@n1", 0, complete() + 30, PREFIX, prefixEnd(PREFIX), false, false));
      Watcher resumable = watch("resumable@n3", 2, 0, PREFIX, prefixEnd(PREFIX), false, false);
      watchers.add(resumable);

      // The resumable watcher stops after some events and resumes on another member.
      Waits.until("resumable watcher to see 40 events", WAIT, () -> resumable.drain() >= 40 ? true : null);
      resumable.client.close();
      long resumeAt = resumable.lastRevision() + 1;
      Watcher resumed = watch("resumed@n1", 0, resumeAt, PREFIX, prefixEnd(PREFIX), false, false);

      // A compaction in the middle of the traffic, once every watcher is past it.
      long compactAt = complete();
      List<Watcher> all = new ArrayList<>(watchers);
      all.remove(resumable);
      all.add(resumed);
      for (Watcher w : all) {
        awaitComplete(w, compactAt);
      }
      cluster.grpc(cluster.member(0)).compact(compactAt);
      awaitCompacted(cluster.member(1), compactAt);
      Watcher belowCompaction = watch("below-compaction@n2", 1, compactAt - 3, PREFIX, prefixEnd(PREFIX), false, false);
      Watcher aboveCompaction = watch("above-compaction@n3", 2, compactAt + 1, PREFIX, prefixEnd(PREFIX), true, false);
      all.add(aboveCompaction);
      Waits.until(WRITES_AFTER_COMPACTION + " writes after the compaction", WAIT,
          () -> complete() >= compactAt + WRITES_AFTER_COMPACTION ? true : null);
      stop = true;
      for (Future<?> f : writing) {
        f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      long last = complete();
      assertThat(last).as("every revision was acknowledged to some writer").isEqualTo(acked.lastKey());
      for (Watcher w : all) {
        awaitComplete(w, last);
      }

      // The compacted watcher: created, then canceled with the compact revision and nothing else.
      Waits.until(belowCompaction.name + " to be canceled", WAIT, () -> {
        belowCompaction.drain();
        return belowCompaction.canceled ? true : null;
      });
      assertThat(belowCompaction.responses).hasSize(1);
      assertThat(belowCompaction.responses.get(0).getCompactRevision()).isEqualTo(compactAt);
      assertThat(belowCompaction.responses.get(0).getEventsCount()).isZero();

      for (Watcher w : all) {
        verify(w, last);
      }
      verifyResumption(resumable, resumed, last);
      verifyAgreement(all);
      StringBuilder summary = new StringBuilder("[watch-guarantees] " + cluster.implementation() + ": "
          + (last - 1) + " revisions, compaction at " + compactAt + ", resumed at " + resumeAt + ";");
      for (Watcher w : all) {
        summary.append(' ').append(w.name).append(" from ").append(w.from).append(": ")
            .append(w.events().size()).append(" events in ").append(w.responses.size()).append(" responses;");
      }
      System.out.println(summary);
    } finally {
      stop = true;
      writers.shutdownNow();
      writers.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ traffic

  private void write(int writer, CountDownLatch warmedUp) {
    Random random = new Random(writer * 7919L);
    EtcdGrpc grpc = cluster.grpc(cluster.member(writer % 3));
    Duration deadline = Duration.ofSeconds(15);
    for (int n = 0; n < MAX_OPS_PER_WRITER && !(stop && n > OPS_BEFORE_WATCHERS); n++) {
      if (n == OPS_BEFORE_WATCHERS) {
        warmedUp.countDown();
      }
      int kind = random.nextInt(10);
      String value = "w" + writer + "-" + n;
      if (kind < 6) {
        String k = key(random.nextInt(KEYS));
        long rev = grpc.put(k, value, deadline).getHeader().getRevision();
        record(rev, List.of(new Expected("PUT", k, value)));
      } else if (kind < 8) {
        String k = key(random.nextInt(KEYS));
        DeleteRangeResponse r = grpc.kv(deadline).deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(k)).build());
        if (r.getDeleted() > 0) {
          record(r.getHeader().getRevision(), List.of(new Expected("DELETE", k, "")));
        }
      } else {
        List<Integer> keys = new ArrayList<>();
        while (keys.size() < 3) {
          int k = random.nextInt(KEYS);
          if (!keys.contains(k)) {
            keys.add(k);
          }
        }
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes(key(keys.get(0)))).setValue(bytes(value + "a"))));
        txn.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(key(keys.get(1))))));
        txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes(key(keys.get(2)))).setValue(bytes(value + "c"))));
        TxnResponse r = grpc.kv(deadline).txn(txn.build());
        List<Expected> events = new ArrayList<>();
        events.add(new Expected("PUT", key(keys.get(0)), value + "a"));
        ResponseOp deleted = r.getResponses(1);
        if (deleted.getResponseDeleteRange().getDeleted() > 0) {
          events.add(new Expected("DELETE", key(keys.get(1)), ""));
        }
        events.add(new Expected("PUT", key(keys.get(2)), value + "c"));
        record(r.getHeader().getRevision(), events);
      }
    }
  }

  /**
   * The highest revision up to which every revision's write is acknowledged and recorded (each
   * write that changes something makes one revision, and only the writers write).
   */
  private long complete() {
    long expect = 2;
    for (long revision : acked.keySet()) {
      if (revision != expect) {
        break;
      }
      expect++;
    }
    return expect - 1;
  }

  private void record(long revision, List<Expected> events) {
    List<Expected> previous = acked.putIfAbsent(revision, events);
    if (previous != null) {
      throw new AssertionError("two acknowledged writes at revision " + revision + ": " + previous + " and " + events);
    }
  }

  private Watcher watch(String name, int member, long start, String key, String rangeEnd, boolean prevKv,
      boolean fragment) {
    Member m = cluster.member(member);
    WatchStreamClient client = new WatchStreamClient(m.clientEndpoint());
    open.add(client);
    WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder().setKey(bytes(key))
        .setStartRevision(start).setPrevKv(prevKv).setFragment(fragment).setWatchId(100 + member);
    if (!rangeEnd.isEmpty()) {
      create.setRangeEnd(bytes(rangeEnd));
    }
    client.create(create);
    WatchResponse created = client.next();
    assertThat(created.getCreated()).as(name + " created").isTrue();
    assertThat(created.getCanceled()).as(name + " not refused: " + created).isFalse();
    Watcher w = new Watcher(name, client, 100 + member, key, rangeEnd, prevKv);
    w.from = start == 0 ? created.getHeader().getRevision() + 1 : start;
    return w;
  }

  /** Waits until {@code m} has applied the compaction at {@code revision} (a read below it is refused there). */
  private void awaitCompacted(Member m, long revision) {
    Waits.until(m.name() + " to apply the compaction at " + revision, WAIT, () -> {
      try {
        cluster.grpc(m).range(io.strata.api.etcdserverpb.RangeRequest.newBuilder().setKey(bytes("/none"))
            .setRevision(revision - 1).setSerializable(true).build());
        return null;
      } catch (io.grpc.StatusRuntimeException e) {
        return e.getStatus().getCode() == io.grpc.Status.Code.OUT_OF_RANGE ? true : null;
      }
    });
  }

  /** Waits until {@code w} has every expected event up to {@code revision} (fails early on a wrong one). */
  private void awaitComplete(Watcher w, long revision) {
    String wrong = Waits.until(w.name + " to see every event up to revision " + revision, WAIT, () -> {
      w.drain();
      List<Event> got = w.events();
      List<Event> want = expectedEvents(w, w.from, revision);
      int n = Math.min(got.size(), want.size());
      for (int i = 0; i < n; i++) {
        if (!sameEvent(got.get(i), want.get(i))) {
          return w.name + ": event " + i + " is " + describe(got.get(i)) + ", expected " + describe(want.get(i));
        }
      }
      return got.size() >= want.size() ? "" : null;
    });
    assertThat(wrong).as("a wrong event ends the wait at once").isEmpty();
  }

  // ------------------------------------------------------------------ checks

  private void verify(Watcher w, long last) {
    w.drain();
    assertThat(w.canceled).as(w.name + " was not canceled").isFalse();
    List<Event> got = w.events();
    List<Event> want = expectedEvents(w, w.from, last);
    assertThat(got.stream().map(WatchGuaranteesScenarios::describe).toList())
        .as(w.name + ": complete, ordered, unique").isEqualTo(want.stream().map(WatchGuaranteesScenarios::describe).toList());
    // Atomic: a revision's events are in one response, or one run of fragments.
    Map<Long, Integer> responseOfRevision = new HashMap<>();
    int unit = 0;
    for (WatchResponse r : w.responses) {
      for (Event e : r.getEventsList()) {
        Integer earlier = responseOfRevision.putIfAbsent(e.getKv().getModRevision(), unit);
        assertThat(earlier == null || earlier == unit)
            .as(w.name + ": the events of revision " + e.getKv().getModRevision() + " are split across responses").isTrue();
      }
      if (!r.getFragment()) {
        unit++;
      }
      assertThat(r.getHeader().getRevision()).as(w.name + ": a response's header is at or past its events")
          .isGreaterThanOrEqualTo(r.getEventsCount() == 0 ? 0 : r.getEvents(r.getEventsCount() - 1).getKv().getModRevision());
    }
    if (w.prevKv) {
      verifyPrevKv(w, got);
    }
  }

  /** prev_kv is the key's value before the event, per the acknowledged history. */
  private void verifyPrevKv(Watcher w, List<Event> got) {
    Map<String, String> state = new HashMap<>();
    int i = 0;
    for (Map.Entry<Long, List<Expected>> entry : acked.entrySet()) {
      for (Expected e : entry.getValue()) {
        if (entry.getKey() >= w.from && w.contains(e.key())) {
          Event event = got.get(i++);
          String before = state.get(e.key());
          assertThat(event.hasPrevKv() ? event.getPrevKv().getValue().toStringUtf8() : null)
              .as(w.name + ": prev_kv of " + describe(event)).isEqualTo(before);
        }
        if (e.type().equals("PUT")) {
          state.put(e.key(), e.value());
        } else {
          state.remove(e.key());
        }
      }
    }
  }

  private void verifyResumption(Watcher first, Watcher resumed, long last) {
    List<Event> all = new ArrayList<>(first.events());
    all.addAll(resumed.events());
    assertThat(all.stream().map(WatchGuaranteesScenarios::describe).toList())
        .as("the closed watcher and its resumption on another member together")
        .isEqualTo(expectedEvents(first, first.from, last).stream().map(WatchGuaranteesScenarios::describe).toList());
  }

  /** For each revision, watchers whose ranges overlap saw the same events in the overlap. */
  private void verifyAgreement(List<Watcher> watchers) {
    for (Watcher a : watchers) {
      for (Watcher b : watchers) {
        if (a == b) {
          continue;
        }
        Map<Long, List<String>> byRevisionA = byRevision(a, b);
        Map<Long, List<String>> byRevisionB = byRevision(b, a);
        for (Map.Entry<Long, List<String>> e : byRevisionA.entrySet()) {
          List<String> other = byRevisionB.get(e.getKey());
          if (other != null) {
            assertThat(other).as(a.name + " and " + b.name + " at revision " + e.getKey()).isEqualTo(e.getValue());
          }
        }
      }
    }
  }

  /** {@code w}'s events at revisions that {@code other} also covers, restricted to other's range. */
  private static Map<Long, List<String>> byRevision(Watcher w, Watcher other) {
    Map<Long, List<String>> out = new TreeMap<>();
    for (Event e : w.events()) {
      long rev = e.getKv().getModRevision();
      if (rev >= other.from && other.contains(e.getKv().getKey().toStringUtf8())) {
        out.computeIfAbsent(rev, r -> new ArrayList<>()).add(describe(e));
      }
    }
    return out;
  }

  private List<Event> expectedEvents(Watcher w, long from, long to) {
    List<Event> out = new ArrayList<>();
    if (from > to) {
      return out;
    }
    for (Map.Entry<Long, List<Expected>> entry : acked.subMap(from, true, to, true).entrySet()) {
      for (Expected e : entry.getValue()) {
        if (w.contains(e.key())) {
          Event.Builder event = Event.newBuilder()
              .setType(e.type().equals("PUT") ? Event.EventType.PUT : Event.EventType.DELETE);
          event.getKvBuilder().setKey(bytes(e.key())).setModRevision(entry.getKey()).setValue(bytes(e.value()));
          out.add(event.build());
        }
      }
    }
    return out;
  }

  private static boolean sameEvent(Event got, Event want) {
    return describe(got).equals(describe(want));
  }

  private static String describe(Event e) {
    return e.getKv().getModRevision() + " " + e.getType() + " " + e.getKv().getKey().toStringUtf8() + "="
        + e.getKv().getValue().toStringUtf8();
  }

  private static String key(int i) {
    return PREFIX + "k" + i;
  }

  private static String prefixEnd(String prefix) {
    return EtcdGrpc.prefixEnd(ByteString.copyFromUtf8(prefix)).toStringUtf8();
  }
}
