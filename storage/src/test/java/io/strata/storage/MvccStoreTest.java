package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvccStoreTest {
  @TempDir Path dir;
  private Backend backend;
  private long index;

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void putsCountVersionsAndKeepCreateRevision() {
    put("foo", "a");
    put("foo", "b");
    KeyValue kv = get("foo", 0);
    assertThat(kv.getCreateRevision()).isEqualTo(2);
    assertThat(kv.getModRevision()).isEqualTo(3);
    assertThat(kv.getVersion()).isEqualTo(2);
    assertThat(kv.getValue().toStringUtf8()).isEqualTo("b");
    assertThat(get("foo", 2).getValue().toStringUtf8()).isEqualTo("a");
  }

  @Test
  void deleteLeavesTombstoneAndRecreateStartsNewGeneration() {
    put("foo", "a");
    delete("foo", "");
    assertThat(get("foo", 0)).isNull();
    assertThat(get("foo", 2)).isNotNull();
    put("foo", "c");
    KeyValue kv = get("foo", 0);
    assertThat(kv.getCreateRevision()).isEqualTo(4);
    assertThat(kv.getVersion()).isEqualTo(1);
  }

  @Test
  void deleteOfNothingConsumesNoRevision() {
    put("a", "1");
    List<KeyValue> deleted = delete("zzz", "");
    assertThat(deleted).isEmpty();
    try (ReadView view = backend.readView()) {
      assertThat(view.currentRevision()).isEqualTo(2);
    }
  }

  @Test
  void aNewStoreIsAtTheInitialRevision() {
    try (ReadView view = backend.readView()) {
      assertThat(view.currentRevision()).isEqualTo(MetaKey.INITIAL_REVISION);
      assertThat(view.range(bytes("a"), new byte[] {0}, 1, 0, true).count()).isZero();
    }
  }

  @Test
  void rangeHonoursLimitAndCountsWholeRange() {
    for (String k : List.of("a", "b", "c", "d")) {
      put(k, k);
    }
    try (ReadView view = backend.readView()) {
      RangeResult result = view.range(bytes("a"), bytes("d"), 0, 2, true);
      assertThat(result.kvs()).extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("a", "b");
      assertThat(result.count()).isEqualTo(3);
      RangeResult all = view.range(bytes("b"), new byte[] {0}, 0, 0, true);
      assertThat(all.kvs()).extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("b", "c", "d");
      assertThat(view.range(bytes("a"), bytes("z"), 0, 0, false).kvs()).isEmpty();
    }
  }

  @Test
  void readsAtCompactedOrFutureRevisionAreRefused() {
    put("a", "1");          // rev 2
    put("a", "2");          // rev 3
    put("a", "3");          // rev 4
    compact(3);
    try (ReadView view = backend.readView()) {
      assertThatThrownBy(() -> view.range(bytes("a"), new byte[0], 2, 0, true))
          .isInstanceOf(RevisionUnavailableException.class)
          .extracting(e -> ((RevisionUnavailableException) e).reason())
          .isEqualTo(RevisionUnavailableException.Reason.COMPACTED);
      assertThatThrownBy(() -> view.range(bytes("a"), new byte[0], 5, 0, true))
          .extracting(e -> ((RevisionUnavailableException) e).reason())
          .isEqualTo(RevisionUnavailableException.Reason.FUTURE);
      assertThat(view.get(bytes("a"), 3).getValue().toStringUtf8()).isEqualTo("2");
    }
  }

  @Test
  void physicalCompactionRemovesSupersededVersionsAndDeadTombstones() {
    put("a", "1");          // rev 2: superseded by rev 3
    put("a", "2");          // rev 3: newest at or below 5, kept
    put("b", "1");          // rev 4: deleted at 5
    delete("b", "");        // rev 5: dead tombstone once compacted at 5
    put("c", "1");          // rev 6: above compaction
    compact(5);
    assertThat(Compactor.compact(backend, 5)).isEqualTo(3);
    assertThat(backend.metaLong(MetaKey.FINISHED_COMPACT_REVISION)).isEqualTo(5);
    try (ReadView view = backend.readView()) {
      assertThat(view.get(bytes("a"), 5).getValue().toStringUtf8()).isEqualTo("2");
      assertThat(view.get(bytes("b"), 5)).isNull();
      assertThat(view.range(bytes("a"), new byte[] {0}, 5, 0, true).count()).isEqualTo(1);
    }
    assertThat(Compactor.compact(backend, 5)).isZero();
  }

  @Test
  void batchSeesItsOwnWritesAndCommitsAtomicallyWithConsistentIndex() {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn first = batch.beginKvTxn();
      first.put(bytes("k"), ByteString.copyFromUtf8("v1"), 0, null);
      first.end();
      KvWriteTxn second = batch.beginKvTxn();
      KeyValue previous = second.get(bytes("k"));
      assertThat(previous.getValue().toStringUtf8()).isEqualTo("v1");
      second.put(bytes("k"), ByteString.copyFromUtf8("v2"), 0, previous);
      second.end();
      batch.setApplied(7, 2);
      assertThat(batch.events()).extracting(Event::getType)
          .containsExactly(Event.EventType.PUT, Event.EventType.PUT);
      try (ReadView before = backend.readView()) {
        assertThat(before.currentRevision()).isEqualTo(MetaKey.INITIAL_REVISION);
        assertThat(before.consistentIndex()).isZero();
      }
      batch.commit();
    }
    try (ReadView after = backend.readView()) {
      assertThat(after.currentRevision()).isEqualTo(3);
      assertThat(after.consistentIndex()).isEqualTo(7);
      assertThat(after.term()).isEqualTo(2);
      assertThat(after.get(bytes("k"), 0).getVersion()).isEqualTo(2);
    }
  }

  @Test
  void checkpointRestoresTheExactState() {
    put("a", "1");
    put("b", "2");
    Path checkpoint = dir.resolve("checkpoint");
    backend.checkpoint(checkpoint);
    put("c", "3");
    backend.replaceWith(checkpoint);
    try (ReadView view = backend.readView()) {
      assertThat(view.currentRevision()).isEqualTo(3);
      assertThat(view.get(bytes("c"), 0)).isNull();
      assertThat(view.get(bytes("b"), 0).getValue().toStringUtf8()).isEqualTo("2");
    }
  }

  /** Random puts, deletes and compactions, checked at every past revision against a plain model. */
  @Test
  void matchesAModelAtEveryReadableRevision() {
    Random random = new Random(20261125);
    // history.get(r - 1) is the state at revision r; revision 1 is the empty store.
    List<TreeMap<String, KeyValue>> history = new ArrayList<>();
    history.add(new TreeMap<>());
    String[] keys = {"a", "a\u0000", "a\u0000b", "ab", "b", "\u00ffz", "c"};
    long compacted = 0;
    for (int step = 0; step < 400; step++) {
      TreeMap<String, KeyValue> state = new TreeMap<>(history.get(history.size() - 1));
      long rev = history.size() + 1;
      int op = random.nextInt(10);
      if (op < 6) {
        String k = keys[random.nextInt(keys.length)];
        String v = "v" + step;
        KeyValue prev = state.get(k);
        put(k, v);
        state.put(k, KeyValue.newBuilder().setKey(ByteString.copyFrom(k, StandardCharsets.ISO_8859_1))
            .setValue(ByteString.copyFromUtf8(v)).setModRevision(rev)
            .setCreateRevision(prev == null ? rev : prev.getCreateRevision())
            .setVersion(prev == null ? 1 : prev.getVersion() + 1).build());
        history.add(state);
      } else if (op < 9) {
        String from = keys[random.nextInt(keys.length)];
        String to = random.nextBoolean() ? "" : keys[random.nextInt(keys.length)];
        List<KeyValue> deleted = delete(from, to);
        List<String> expected = modelRange(state, from, to);
        assertThat(deleted).extracting(kv -> kv.getKey().toString(StandardCharsets.ISO_8859_1))
            .containsExactlyElementsOf(expected);
        if (!expected.isEmpty()) {
          expected.forEach(state::remove);
          history.add(state);
        }
      } else if (history.size() > 2) {
        long latest = history.size();
        long target = Math.max(compacted, 1) + random.nextInt((int) (latest - Math.max(compacted, 1))) + 1;
        compact(target);
        Compactor.compact(backend, target);
        compacted = target;
      }
      long oldestReadable = Math.max(compacted, 1);
      long checkRev = oldestReadable + random.nextInt((int) (history.size() + 1 - oldestReadable));
      String from = keys[random.nextInt(keys.length)];
      try (ReadView view = backend.readView()) {
        RangeResult result = view.range(latin1(from), new byte[] {0}, checkRev, 0, true);
        TreeMap<String, KeyValue> expected = history.get((int) checkRev - 1);
        List<KeyValue> expectedKvs = new ArrayList<>(expected.tailMap(from, true).values());
        expectedKvs.sort(Comparator.comparing(kv -> kv.getKey().toByteArray(), Arrays::compareUnsigned));
        assertThat(result.kvs()).as("step %d rev %d", step, checkRev).containsExactlyElementsOf(expectedKvs);
        assertThat(result.count()).isEqualTo(expectedKvs.size());
      }
    }
  }

  private static List<String> modelRange(TreeMap<String, KeyValue> state, String from, String to) {
    if (to.isEmpty()) {
      return state.containsKey(from) ? List.of(from) : List.of();
    }
    List<String> keys = new ArrayList<>();
    for (String k : state.keySet()) {
      if (Arrays.compareUnsigned(latin1(k), latin1(from)) >= 0 && Arrays.compareUnsigned(latin1(k), latin1(to)) < 0) {
        keys.add(k);
      }
    }
    keys.sort(Comparator.comparing(MvccStoreTest::latin1, Arrays::compareUnsigned));
    return keys;
  }

  private void put(String key, String value) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      txn.put(latin1(key), ByteString.copyFromUtf8(value), 0, txn.get(latin1(key)));
      txn.end();
      batch.setApplied(++index, 1);
      batch.commit();
    }
  }

  private List<KeyValue> delete(String key, String end) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      List<KeyValue> deleted = txn.deleteRange(latin1(key), latin1(end));
      txn.end();
      batch.setApplied(++index, 1);
      batch.commit();
      return deleted;
    }
  }

  private void compact(long revision) {
    try (StoreBatch batch = backend.beginBatch()) {
      batch.scheduleCompaction(revision);
      batch.setApplied(++index, 1);
      batch.commit();
    }
  }

  private KeyValue get(String key, long rev) {
    try (ReadView view = backend.readView()) {
      return view.get(bytes(key), rev);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
