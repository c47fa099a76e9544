package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Backend#replaceWith} (a snapshot install) swaps the new database in atomically, and
 * {@link Backend#open} finishes or undoes a swap that a crash interrupted, so that the member
 * restarts on one complete database: the old one or the installed one, never a mix or nothing.
 * The crashes are simulated by leaving the directories as each step of the swap leaves them.
 */
class BackendReplacementTest {
  @TempDir Path root;

  @Test
  void replaceWithInstallsTheCheckpointAndLeavesNothingBeside() {
    Path db = root.resolve("db");
    Path checkpoint = root.resolve("checkpoint");
    try (Backend backend = Backend.open(db)) {
      put(backend, "a", "installed");
      backend.checkpoint(checkpoint);
      put(backend, "a", "later");
      backend.replaceWith(checkpoint);
      assertThat(value(backend, "a")).isEqualTo("installed");
    }
    assertThat(root.resolve("db.incoming")).doesNotExist();
    assertThat(root.resolve("db.outgoing")).doesNotExist();
    assertThat(checkpoint).as("the checkpoint is copied, not consumed").isDirectory();
  }

  @Test
  void aCrashBeforeTheSwapKeepsTheOldDatabase() throws Exception {
    Path db = root.resolve("db");
    Path incoming = root.resolve("db.incoming");
    withValue(db, "old");
    // The copy was still being written: an incomplete directory beside the database.
    Files.createDirectories(incoming);
    Files.writeString(incoming.resolve("CURRENT"), "MANIFEST-0000");

    try (Backend backend = Backend.open(db)) {
      assertThat(value(backend, "a")).isEqualTo("old");
    }
    assertThat(incoming).doesNotExist();
  }

  @Test
  void aCrashBetweenTheRenamesOpensTheInstalledDatabase() throws Exception {
    Path db = root.resolve("db");
    withValue(db, "old");
    withValue(root.resolve("new"), "installed");
    Files.move(db, root.resolve("db.outgoing"), StandardCopyOption.ATOMIC_MOVE);
    Files.move(root.resolve("new"), root.resolve("db.incoming"), StandardCopyOption.ATOMIC_MOVE);

    try (Backend backend = Backend.open(db)) {
      assertThat(value(backend, "a")).isEqualTo("installed");
    }
    assertThat(root.resolve("db.incoming")).doesNotExist();
    assertThat(root.resolve("db.outgoing")).doesNotExist();
  }

  @Test
  void aCrashAfterTheSwapOpensTheInstalledDatabaseAndDropsTheOldOne() throws Exception {
    Path db = root.resolve("db");
    withValue(root.resolve("db.outgoing"), "old");
    withValue(db, "installed");

    try (Backend backend = Backend.open(db)) {
      assertThat(value(backend, "a")).isEqualTo("installed");
    }
    assertThat(root.resolve("db.outgoing")).doesNotExist();
  }

  /** Creates a database in {@code dir} holding key "a" = {@code value}, and closes it. */
  private static void withValue(Path dir, String value) {
    try (Backend backend = Backend.open(dir)) {
      put(backend, "a", value);
    }
  }

  private static void put(Backend backend, String key, String value) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      txn.put(bytes(key), ByteString.copyFromUtf8(value), 0, txn.get(bytes(key)));
      txn.end();
      batch.commit();
    }
  }

  private static String value(Backend backend, String key) {
    try (ReadView view = backend.readView()) {
      var kv = view.get(bytes(key), 0);
      return kv == null ? null : kv.getValue().toStringUtf8();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
