package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.version.Version;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
  private static final Version V1_0 = Version.parse("1.0");
  private static final Version V1_1 = Version.parse("1.1");
  private static final Version V1_2 = Version.parse("1.2");

  @TempDir Path dir;

  @Test
  void plansGoOneMinorVersionAtATimeInEitherDirection() {
    assertThat(Migration.plan(V1_2, V1_0)).containsExactly(
        new Migration.Step(V1_2, V1_1), new Migration.Step(V1_1, V1_0));
    assertThat(Migration.plan(V1_0, V1_2)).containsExactly(
        new Migration.Step(V1_0, V1_1), new Migration.Step(V1_1, V1_2));
    assertThat(Migration.plan(V1_1, V1_1)).isEmpty();
  }

  @Test
  void unknownVersionsAndMajorChangesCannotBePlanned() {
    assertThatThrownBy(() -> Migration.plan(V1_2, Version.parse("1.3")))
        .hasMessage("version \"1.3\" is not supported");
    assertThatThrownBy(() -> Migration.plan(V1_2, Version.parse("2.0")))
        .hasMessage("changing major storage version is not supported");
  }

  @Test
  void aDowngradeClearsNewerFieldsAndSetsTheVersionAtomically() {
    try (Backend backend = Backend.open(dir.resolve("db"))) {
      try (StoreBatch batch = backend.beginBatch()) {
        batch.putMember(Member.newBuilder().setID(1).setName("a").setIsLearner(true).build());
        batch.putMember(Member.newBuilder().setID(2).setName("b").build());
        StorageVersion.write(batch, V1_2);
        batch.commit();
      }
      List<String> progress = new ArrayList<>();
      assertThat(Migration.run(backend, V1_0, progress::add)).hasSize(2);
      assertThat(progress).containsExactly(
          "step 1.2 -> 1.1: removed column family request_results (0 records),"
              + " removed column family lease_keys (0 records), cleared fields newer than 1.1 from 0 records",
          "step 1.1 -> 1.0: cleared fields newer than 1.0 from 1 records");
      try (ReadView view = backend.readView()) {
        assertThat(StorageVersion.of(view)).contains(V1_0);
        assertThat(view.members()).extracting(Member::getIsLearner).containsExactly(false, false);
        assertThat(view.members()).extracting(Member::getName).containsExactly("a", "b");
      }
      assertThat(Migration.run(backend, V1_2, s -> { })).hasSize(2);
      try (ReadView view = backend.readView()) {
        assertThat(StorageVersion.of(view)).contains(V1_2);
      }
    }
  }

  @Test
  void aDowngradeEmptiesFamiliesNewerThanTheTargetAndAPreviewChangesNothing() {
    try (Backend backend = Backend.open(dir.resolve("db"))) {
      try (StoreBatch batch = backend.beginBatch()) {
        batch.put(ColumnFamily.REQUEST_RESULTS, new byte[] {1}, new byte[] {9});
        batch.put(ColumnFamily.REQUEST_RESULTS, new byte[] {2}, new byte[] {9});
        StorageVersion.write(batch, V1_2);
        batch.commit();
      }
      assertThat(Migration.preview(backend, V1_2, V1_1)).containsExactly(
          "step 1.2 -> 1.1: removed column family request_results (2 records),"
              + " removed column family lease_keys (0 records), cleared fields newer than 1.1 from 0 records");
      try (StoreBatch batch = backend.beginBatch()) {
        assertThat(batch.clearFamily(ColumnFamily.REQUEST_RESULTS)).isEqualTo(2); // still there after the preview
      }
      Migration.run(backend, V1_1, s -> { });
      try (StoreBatch batch = backend.beginBatch()) {
        assertThat(batch.clearFamily(ColumnFamily.REQUEST_RESULTS)).isZero();
      }
    }
  }
}
