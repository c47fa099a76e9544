package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvHashAndSnapshotTest {
  @TempDir Path dir;

  @Test
  void hashKvIsTheSameWhetherOrNotCompactionHasRunPhysically() {
    try (Backend compacted = Backend.open(dir.resolve("a")); Backend pending = Backend.open(dir.resolve("b"))) {
      for (Backend backend : new Backend[] {compacted, pending}) {
        write(backend, "k1", "v1");
        write(backend, "k1", "v2");
        write(backend, "k2", "v1");
        delete(backend, "k2");
        write(backend, "k3", "v1");
        compactLogically(backend, 5);
      }
      Compactor.compact(compacted, 5);
      try (ReadView a = compacted.readView(); ReadView b = pending.readView()) {
        KvHash.Result ha = KvHash.hashKv(a, 0);
        assertThat(ha).isEqualTo(KvHash.hashKv(b, 0));
        assertThat(ha.compactRevision()).isEqualTo(5);
        assertThat(ha.hashRevision()).isEqualTo(6);
      }
      write(pending, "k3", "different");
      try (ReadView a = compacted.readView(); ReadView b = pending.readView()) {
        assertThat(KvHash.hashKv(a, 6).hash()).isEqualTo(KvHash.hashKv(b, 6).hash());
        write(compacted, "k3", "other");
      }
      try (ReadView a = compacted.readView(); ReadView b = pending.readView()) {
        assertThat(KvHash.hashKv(a, 0).hash()).isNotEqualTo(KvHash.hashKv(b, 0).hash());
      }
    }
  }

  @Test
  void snapshotArchiveRoundTripsAndDetectsDamage() throws IOException {
    Path archive = dir.resolve("snap.db");
    try (Backend backend = Backend.open(dir.resolve("src"))) {
      write(backend, "a", "1");
      write(backend, "b", "2");
      assertThat(SnapshotArchive.write(backend, archive)).isEqualTo(Files.size(archive));
    }
    SnapshotArchive.unpack(archive, dir.resolve("restored"));
    try (Backend restored = Backend.open(dir.resolve("restored")); ReadView view = restored.readView()) {
      assertThat(view.get(bytes("b"), 0).getValue().toStringUtf8()).isEqualTo("2");
      assertThat(view.currentRevision()).isEqualTo(3);
    }
    try (RandomAccessFile file = new RandomAccessFile(archive.toFile(), "rw")) {
      file.seek(40);
      int b = file.read();
      file.seek(40);
      file.write(b ^ 0xFF);
    }
    assertThatThrownBy(() -> SnapshotArchive.unpack(archive, dir.resolve("damaged")))
        .isInstanceOf(IOException.class);
    assertThat(dir.resolve("damaged")).doesNotExist();
    Files.writeString(dir.resolve("junk.db"), "this is not a snapshot at all, just some text to read");
    assertThatThrownBy(() -> SnapshotArchive.unpack(dir.resolve("junk.db"), dir.resolve("junk")))
        .hasMessageContaining("not a Strata snapshot");
  }

  private static long index;

  private static void write(Backend backend, String key, String value) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      txn.put(bytes(key), ByteString.copyFromUtf8(value), 0, txn.get(bytes(key)));
      txn.end();
      batch.setApplied(++index, 1);
      batch.commit();
    }
  }

  private static void delete(Backend backend, String key) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      txn.deleteRange(bytes(key), new byte[0]);
      txn.end();
      batch.commit();
    }
  }

  private static void compactLogically(Backend backend, long revision) {
    try (StoreBatch batch = backend.beginBatch()) {
      batch.scheduleCompaction(revision);
      batch.commit();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
