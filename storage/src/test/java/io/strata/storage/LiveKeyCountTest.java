package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Backend#liveKeyCount()}: the keys live at the current revision, counted once and then kept
 * by the batches, always equal to what a count-only range over every key says.
 */
class LiveKeyCountTest {
  @TempDir Path dir;
  private Backend backend;

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void a_new_store_has_no_keys() {
    assertThat(backend.liveKeyCount()).isZero();
  }

  @Test
  void puts_deletes_and_recreations_follow_a_model_of_the_live_keys() {
    assertThat(backend.liveKeyCount()).isZero(); // counted now: from here on the batches keep it
    Random random = new Random(6);
    TreeSet<String> model = new TreeSet<>();
    for (int round = 0; round < 300; round++) {
      String key = "k" + random.nextInt(40);
      if (random.nextInt(3) > 0) {
        write(txn -> txn.put(bytes(key), ByteString.copyFromUtf8("v"), 0, txn.get(bytes(key))));
        model.add(key);
      } else {
        String end = "k" + random.nextInt(40);
        write(txn -> txn.deleteRange(bytes(key), bytes(end)));
        if (key.compareTo(end) < 0) {
          model.subSet(key, end).clear();
        }
      }
      assertThat(backend.liveKeyCount()).as("after round %d", round).isEqualTo(model.size()).isEqualTo(scanned());
    }
  }

  @Test
  void a_txn_that_writes_a_key_twice_and_deletes_it_counts_it_once_then_not() {
    backend.liveKeyCount();
    write(txn -> {
      KeyValue first = txn.put(bytes("a"), ByteString.copyFromUtf8("1"), 0, null);
      txn.put(bytes("a"), ByteString.copyFromUtf8("2"), 0, first);
    });
    assertThat(backend.liveKeyCount()).isEqualTo(1);
    write(txn -> {
      txn.deleteRange(bytes("a"), new byte[0]);
      txn.deleteRange(bytes("a"), new byte[0]);
    });
    assertThat(backend.liveKeyCount()).isZero();
  }

  @Test
  void a_batch_that_is_not_committed_changes_nothing() {
    backend.liveKeyCount();
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      txn.put(bytes("a"), ByteString.copyFromUtf8("1"), 0, null);
      txn.end();
    }
    assertThat(backend.liveKeyCount()).isZero();
  }

  @Test
  void a_reopened_store_counts_its_keys_again() {
    for (int i = 0; i < 10; i++) {
      String key = "k" + i;
      write(txn -> txn.put(bytes(key), ByteString.copyFromUtf8("v"), 0, null));
    }
    write(txn -> txn.deleteRange(bytes("k3"), bytes("k6")));
    backend.close();
    backend = Backend.open(dir.resolve("db"));
    assertThat(backend.liveKeyCount()).isEqualTo(7);
  }

  @Test
  void an_installed_snapshot_brings_its_own_count() {
    for (int i = 0; i < 5; i++) {
      String key = "k" + i;
      write(txn -> txn.put(bytes(key), ByteString.copyFromUtf8("v"), 0, null));
    }
    Path checkpoint = dir.resolve("checkpoint");
    backend.checkpoint(checkpoint);
    write(txn -> txn.put(bytes("later"), ByteString.copyFromUtf8("v"), 0, null));
    assertThat(backend.liveKeyCount()).isEqualTo(6);
    backend.replaceWith(checkpoint);
    assertThat(backend.liveKeyCount()).isEqualTo(5);
    write(txn -> txn.put(bytes("after"), ByteString.copyFromUtf8("v"), 0, null));
    assertThat(backend.liveKeyCount()).isEqualTo(6);
  }

  /** Batches committed while the first count scans are neither lost nor counted twice. */
  @Test
  void batches_committed_during_the_first_count_are_counted_exactly_once() {
    for (int i = 0; i < 3000; i++) {
      String key = String.format("base%05d", i);
      write(txn -> txn.put(bytes(key), ByteString.copyFromUtf8("v"), 0, null));
    }
    backend.close();
    backend = Backend.open(dir.resolve("db"));
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < 300; i++) {
        String key = String.format("new%05d", i);
        write(txn -> txn.put(bytes(key), ByteString.copyFromUtf8("v"), 0, null));
        String gone = String.format("base%05d", i * 7);
        write(txn -> txn.deleteRange(bytes(gone), new byte[0]));
      }
    });
    long duringWrites = backend.liveKeyCount();
    writer.join();
    assertThat(duringWrites).isBetween(2700L, 3300L);
    assertThat(backend.liveKeyCount()).isEqualTo(3000).isEqualTo(scanned());
  }

  private void write(java.util.function.Consumer<KvWriteTxn> work) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      work.accept(txn);
      txn.end();
      batch.commit();
    }
  }

  private long scanned() {
    try (ReadView view = backend.readView()) {
      return view.range(new byte[0], new byte[] {0}, 0, 0, false).count();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
