package io.strata.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A state database in a fresh temporary directory for each test: register it with
 * {@code @RegisterExtension}, use {@link #backend()}; it is closed and deleted after the test.
 */
final class TempBackend implements BeforeEachCallback, AfterEachCallback {
  private Path dir;
  private Backend backend;

  Backend backend() {
    return backend;
  }

  /** Runs {@code work} in one kv transaction of its own batch, and commits it. */
  void write(Consumer<KvWriteTxn> work) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      work.accept(txn);
      txn.end();
      batch.commit();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("strata-store-test");
    backend = Backend.open(dir.resolve("db"));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    backend.close();
    Backend.deleteTree(dir);
  }
}
