package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.version.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageVersionTest {
  @TempDir Path dir;

  @Test
  void noDatabaseAndNoRecordMeanNoVersion() {
    assertThat(StorageVersion.detect(dir.resolve("none"))).isEmpty();
    try (Backend backend = Backend.open(dir.resolve("db"))) {
      assertThat(backend.dir()).exists();
    }
    assertThat(StorageVersion.detect(dir.resolve("db"))).isEmpty();
  }

  @Test
  void aRecordedVersionIsReadWithoutOpeningTheDatabaseForWriting() throws Exception {
    Path db = dir.resolve("db");
    try (Backend backend = Backend.open(db); StoreBatch batch = backend.beginBatch()) {
      StorageVersion.write(batch, Version.parse("1.2"));
      batch.commit();
    }
    long filesBefore;
    try (var files = Files.list(db)) {
      filesBefore = files.count();
    }
    assertThat(StorageVersion.detect(db)).contains(Version.parse("1.2"));
    try (var files = Files.list(db)) {
      assertThat(files.count()).isEqualTo(filesBefore);
    }
    try (Backend backend = Backend.open(db); ReadView view = backend.readView()) {
      assertThat(StorageVersion.of(view)).contains(Version.parse("1.2"));
    }
  }
}
