package io.strata.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.StrataProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Backup and restore as an operator does it: {@code etcdctl snapshot save} from a running 3-member
 * Strata cluster, {@code strata snapshot restore} into a fresh data directory, and a new member
 * started on it serves every key (etcd's own restore tool is etcdutl, so this is Strata only).
 */
@Tag("strata")
class StrataSnapshotRestoreTest {
  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void a_saved_snapshot_restores_into_a_new_cluster_that_serves_every_key() throws Exception {
    Cluster source = clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    Etcdctl all = source.etcdctl();
    for (int i = 0; i < 50; i++) {
      assertThat(all.run("put", "backup/k" + i, "v" + i).stdout()).isEqualTo("OK\n");
    }
    all.run("del", "backup/k7");
    Path snapshot = source.directory().resolve("backup.db");
    var saved = source.etcdctl(source.member(1)).run("snapshot", "save", snapshot.toString());
    assertThat(saved.succeeded()).as(saved.describe()).isTrue();
    assertThat(saved.stdout()).isEqualTo("Snapshot saved at " + snapshot + "\n");

    Path workdir = Path.of(System.getProperty("strata.e2e.workdir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(workdir);
    ProcessCluster restored = new StrataProcessCluster(ClusterSpec.ofSize(1),
        Files.createTempDirectory(workdir, "StrataSnapshotRestoreTest-restored-"));
    try {
      var member = restored.member(0);
      Process restore = new ProcessBuilder(restoreCommand(snapshot, member.dataDir(), member.name(),
          member.name() + "=" + member.peerUrl(), restored.token(), member.peerUrl()))
          .redirectErrorStream(true).start();
      assertThat(restore.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = new String(restore.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(restore.exitValue()).as(output).isZero();
      assertThat(output).contains("restored snapshot");

      restored.startAll();
      Etcdctl fresh = restored.etcdctl(member);
      assertThat(fresh.run("get", "backup/k49").stdout()).isEqualTo("backup/k49\nv49\n");
      assertThat(fresh.run("get", "backup/k7").stdout()).isEmpty();
      assertThat(fresh.run("get", "backup/", "--prefix", "--keys-only").stdout().lines()
          .filter(line -> !line.isEmpty())).hasSize(49);
      assertThat(fresh.run("member", "list").stdout().lines()).hasSize(1);
      assertThat(fresh.run("put", "after/restore", "x").stdout()).isEqualTo("OK\n");
      restored.keepDirectoryOnClose(false);
    } catch (AssertionError | RuntimeException e) {
      restored.dumpLogTails(40);
      restored.keepDirectoryOnClose(true);
      throw e;
    } finally {
      restored.close();
    }
  }

  private static List<String> restoreCommand(Path snapshot, Path dataDir, String name, String initialCluster,
      String token, String peerUrl) {
    return StrataProcessCluster.strataCommand("snapshot", "restore", snapshot.toString(),
        "--data-dir", dataDir.toString(),
        "--name", name,
        "--initial-cluster", initialCluster,
        "--initial-cluster-token", token,
        "--initial-advertise-peer-urls", peerUrl);
  }
}
