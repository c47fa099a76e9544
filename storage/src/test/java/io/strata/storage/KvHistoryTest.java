package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The history read back from the store must be exactly the events the apply path produced live
 * ({@link StoreBatch#events()}): same events, same order, same prev_kv, whatever the range, the
 * window and the page size.
 */
class KvHistoryTest {
  private static final byte[] NO_END = new byte[0];
  private static final byte[] UNBOUNDED = {0};
  private static final String[] KEYS = {"a", "a\0", "ab", "b", "b/1", "b/2", "c", "\u00ff"};

  @TempDir Path dir;
  private Backend backend;
  /** Every event the apply path emitted, in order: the oracle. */
  private final List<Event> live = new ArrayList<>();

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void aSingleKeyHistoryHasPutsAndTombstonesWithPreviousVersions() {
    put("k", "1"); // 2
    put("other", "x"); // 3
    put("k", "2"); // 4
    delete("k", NO_END); // 5
    put("k", "3"); // 6
    List<Event> events = read("k", NO_END, 1, Long.MAX_VALUE, true, 100).events();
    assertThat(events).extracting(e -> e.getType() + "@" + e.getKv().getModRevision()
            + (e.hasPrevKv() ? " prev " + e.getPrevKv().getValue().toStringUtf8() : ""))
        .containsExactly("PUT@2", "PUT@4 prev 1", "DELETE@5 prev 2", "PUT@6");
    Event tombstone = events.get(2);
    assertThat(tombstone.getKv()).isEqualTo(KeyValue.newBuilder()
        .setKey(bytes("k")).setModRevision(5).build());
  }

  @Test
  void aTxnRevisionKeepsItsChangesInSubRevisionOrder() {
    put("b/1", "x");
    KvWriteTxn txn;
    try (StoreBatch batch = backend.beginBatch()) {
      txn = batch.beginKvTxn();
      txn.put("b/3".getBytes(StandardCharsets.UTF_8), bytes("3"), 0, null);
      txn.deleteRange("b/1".getBytes(StandardCharsets.UTF_8), NO_END);
      txn.put("b/2".getBytes(StandardCharsets.UTF_8), bytes("2"), 0, null);
      txn.end();
      batch.commit();
      live.addAll(batch.events());
    }
    List<Event> events = read("b/", "b0", 3, 3, false, 100).events();
    assertThat(events).extracting(e -> e.getType() + " " + e.getKv().getKey().toStringUtf8())
        .containsExactly("PUT b/3", "DELETE b/1", "PUT b/2");
  }

  @Test
  void aWindowAboveTheCurrentRevisionIsEmptyAndContinuesWhereItWasAsked() {
    put("k", "1");
    KvHistory.Page page = read("k", NO_END, 10, 20, false, 100);
    assertThat(page.events()).isEmpty();
    assertThat(page.nextRevision()).isEqualTo(10);
    KvHistory.Page upToNow = read("k", NO_END, 1, 20, false, 100);
    assertThat(upToNow.nextRevision()).as("read up to the current revision 2").isEqualTo(3);
  }

  @Test
  void revisionsBelowTheCompactRevisionAreRefused() {
    for (int i = 0; i < 5; i++) {
      put("k", "v" + i); // 2..6
    }
    compact(4);
    assertThatThrownBy(() -> read("k", NO_END, 3, 10, false, 10))
        .isInstanceOfSatisfying(RevisionUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(RevisionUnavailableException.Reason.COMPACTED));
    assertThatThrownBy(() -> read("", UNBOUNDED, 0, 10, false, 10))
        .isInstanceOf(RevisionUnavailableException.class);
    // At the compact revision itself: the version is kept, its predecessor is gone (no prev_kv).
    List<Event> events = read("k", NO_END, 4, 10, true, 10).events();
    assertThat(events).extracting(e -> e.getKv().getModRevision()).containsExactly(4L, 5L, 6L);
    assertThat(events.get(0).hasPrevKv()).isFalse();
    assertThat(events.get(1).getPrevKv().getModRevision()).isEqualTo(4);
  }

  @Test
  void aPageNeverSplitsARevision() {
    for (int i = 0; i < 3; i++) {
      try (StoreBatch batch = backend.beginBatch()) {
        KvWriteTxn txn = batch.beginKvTxn();
        for (int k = 0; k < 4; k++) {
          txn.put(("t/" + k).getBytes(StandardCharsets.UTF_8), bytes("v" + i), 0, null);
        }
        txn.end();
        batch.commit();
      }
    }
    KvHistory.Page first = read("t/", "t0", 1, 100, false, 1);
    assertThat(first.events()).hasSize(4).allMatch(e -> e.getKv().getModRevision() == 2);
    assertThat(first.nextRevision()).isEqualTo(3);
    KvHistory.Page byBytes;
    try (ReadView view = backend.readView()) {
      byBytes = KvHistory.read(view, "t/".getBytes(StandardCharsets.UTF_8), "t0".getBytes(StandardCharsets.UTF_8),
          1, 100, false, 1000, 1);
    }
    assertThat(byBytes.events()).as("a byte budget also stops at the first revision boundary").hasSize(4);
    assertThat(byBytes.nextRevision()).isEqualTo(3);
  }

  static Stream<Arguments> ranges() {
    return Stream.of(
        Arguments.of("one key", "b", ""),
        Arguments.of("a key holding a zero byte", "a\0", ""),
        Arguments.of("a prefix", "b/", "b0"),
        Arguments.of("a range", "a", "b/2"),
        Arguments.of("every key from one on", "ab", "\0"),
        Arguments.of("every key", "\0", "\0"),
        Arguments.of("a key that never changes", "zzz", ""));
  }

  @ParameterizedTest(name = "history of {0} equals the live events, whatever the window and page size")
  @MethodSource("ranges")
  void historyEqualsTheLiveEvents(String what, String key, String rangeEnd) {
    Random random = new Random(what.hashCode());
    randomWrites(random, 300);
    long current;
    try (ReadView view = backend.readView()) {
      current = view.currentRevision();
    }
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] end = rangeEnd.getBytes(StandardCharsets.UTF_8);
    for (int round = 0; round < 30; round++) {
      long from = 1 + random.nextInt((int) current + 2);
      long to = from + random.nextInt((int) current);
      boolean prevKv = random.nextBoolean();
      int limit = 1 + random.nextInt(round % 2 == 0 ? 5 : 500);
      List<Event> expected = live.stream()
          .filter(e -> e.getKv().getModRevision() >= from && e.getKv().getModRevision() <= to)
          .filter(e -> KvHistory.inRange(e.getKv().getKey().toByteArray(), k, end))
          .map(e -> prevKv ? e : e.toBuilder().clearPrevKv().build())
          .toList();
      assertThat(readAllPages(k, end, from, to, prevKv, limit))
          .as("[%d, %d] prevKv=%s limit=%d", from, to, prevKv, limit)
          .containsExactlyElementsOf(expected);
    }
  }

  @Test
  void afterCompactionTheHistoryAboveTheCompactRevisionIsUnchanged() {
    Random random = new Random(11);
    randomWrites(random, 200);
    long compactAt = 120;
    compact(compactAt);
    List<Event> expected = live.stream().filter(e -> e.getKv().getModRevision() > compactAt).toList();
    assertThat(readAllPages(new byte[] {0}, UNBOUNDED, compactAt + 1, Long.MAX_VALUE, true, 7))
        .containsExactlyElementsOf(expected);
    for (String key : KEYS) {
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      assertThat(readAllPages(k, NO_END, compactAt + 1, Long.MAX_VALUE, true, 3))
          .containsExactlyElementsOf(expected.stream()
              .filter(e -> e.getKv().getKey().equals(ByteString.copyFrom(k))).toList());
    }
  }

  private List<Event> readAllPages(byte[] key, byte[] end, long from, long to, boolean prevKv, int limit) {
    List<Event> all = new ArrayList<>();
    long next = from;
    for (int calls = 0; calls < 10_000; calls++) {
      KvHistory.Page page;
      try (ReadView view = backend.readView()) {
        page = KvHistory.read(view, key, end, next, to, prevKv, limit);
        if (!page.events().isEmpty()) {
          long last = page.events().get(page.events().size() - 1).getKv().getModRevision();
          assertThat(page.nextRevision()).as("a page ends after its last revision").isGreaterThan(last);
          assertThat(page.events().get(0).getKv().getModRevision()).isGreaterThanOrEqualTo(next);
        }
        assertThat(page.nextRevision()).as("never goes back").isGreaterThanOrEqualTo(next);
        all.addAll(page.events());
        if (page.reached(Math.min(to, view.currentRevision()))) {
          return all;
        }
      }
      next = page.nextRevision();
    }
    throw new AssertionError("paging did not finish");
  }

  /** Puts, deletes (single and ranges) and multi-key txns over a small key set. */
  private void randomWrites(Random random, int requests) {
    for (int i = 0; i < requests; i++) {
      try (StoreBatch batch = backend.beginBatch()) {
        int ops = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1;
        int groupSize = 1 + random.nextInt(3);
        for (int g = 0; g < groupSize; g++) {
          KvWriteTxn txn = batch.beginKvTxn();
          Set<String> touched = new HashSet<>();
          for (int o = 0; o < ops; o++) {
            String key = KEYS[random.nextInt(KEYS.length)];
            if (!touched.add(key)) {
              continue;
            }
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(4) == 0) {
              txn.deleteRange(k, NO_END);
            } else if (random.nextInt(20) == 0 && ops == 1) {
              txn.deleteRange("b/".getBytes(StandardCharsets.UTF_8), "b0".getBytes(StandardCharsets.UTF_8));
            } else {
              txn.put(k, bytes("v" + i + "." + o), 0, txn.get(k));
            }
          }
          txn.end();
        }
        batch.commit();
        live.addAll(batch.events());
      }
    }
  }

  private KvHistory.Page read(String key, byte[] end, long from, long to, boolean prevKv, int limit) {
    try (ReadView view = backend.readView()) {
      return KvHistory.read(view, key.getBytes(StandardCharsets.UTF_8), end, from, to, prevKv, limit);
    }
  }

  private KvHistory.Page read(String key, String end, long from, long to, boolean prevKv, int limit) {
    return read(key, end.getBytes(StandardCharsets.UTF_8), from, to, prevKv, limit);
  }

  private void put(String key, String value) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      txn.put(k, bytes(value), 0, txn.get(k));
      txn.end();
      batch.commit();
      live.addAll(batch.events());
    }
  }

  private void delete(String key, byte[] end) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      txn.deleteRange(key.getBytes(StandardCharsets.UTF_8), end);
      txn.end();
      batch.commit();
      live.addAll(batch.events());
    }
  }

  private void compact(long revision) {
    try (StoreBatch batch = backend.beginBatch()) {
      batch.scheduleCompaction(revision);
      batch.commit();
    }
    Compactor.compact(backend, revision);
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
