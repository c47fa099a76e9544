package io.strata.e2e.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import io.strata.e2e.harness.StrataProcessCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code strata migrate} on a stopped member's data directory: skip-level down to 1.0 and back up,
 * a 1.0 member serving the data in between, and etcd's error cases.
 */
@Tag("strata")
class StrataMigrateTest {
  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private record Run(int exit, String stdout, String stderr) {}

  @Test
  void migrate_skips_down_to_1_0_and_back_and_the_data_stays_served() throws Exception {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.ofSize(1));
    Member member = cluster.member(0);
    for (int i = 0; i < 20; i++) {
      assertThat(cluster.etcdctl(member).run("put", "m/k" + i, "v" + i).stdout()).isEqualTo("OK\n");
    }
    // The cluster version is recorded in the data too: the migration must lower it as well.
    VersionWaits.awaitVersions(cluster, "the cluster version to be decided", VersionWaits.clusterVersion("1.2"));
    DowngradeSupport.putWithRequestId(cluster, member, "m/idempotent", "99");
    cluster.stop(member);
    String dir = member.dataDir().toString();

    Run badFormat = migrate("--data-dir", dir, "--target-version", "1.0.0");
    assertThat(badFormat.exit()).isEqualTo(128);
    assertThat(badFormat.stderr()).contains("wrong target version format, expected \"X.Y\", got \"1.0.0\"");
    Run tooOld = migrate("--data-dir", dir, "--target-version", "0.9");
    assertThat(tooOld.exit()).isEqualTo(128);
    assertThat(tooOld.stderr()).contains("target version \"0.9\" not supported. Minimal \"1.0\"");
    Run unknown = migrate("--data-dir", dir, "--target-version", "1.3");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.stderr()).contains("cannot create migration plan: version \"1.3\" is not supported");
    Run upToDate = migrate("--data-dir", dir, "--target-version", "1.2");
    assertThat(upToDate.exit()).isZero();
    assertThat(upToDate.stdout()).contains("storage version up-to-date");

    // An idempotent write (1.2: its entry carries a request id) is in the log after the latest
    // snapshot: a 1.0 or 1.1 member would replay it, so the downgrade is refused unless forced.
    Run refused = migrate("--data-dir", dir, "--target-version", "1.1");
    assertThat(refused.exit()).as(refused.stdout()).isEqualTo(1);
    assertThat(refused.stderr()).contains("cannot downgrade storage, WAL contains newer entries")
        .contains("needs version 1.2");
    Run down = migrate("--data-dir", dir, "--target-version", "1.0", "--force");
    assertThat(down.exit()).as(down.stderr()).isZero();
    assertThat(down.stderr()).contains("migrating anyway (--force)");
    assertThat(down.stdout()).contains("in 2 step(s)").contains("updated storage version to 1.0")
        .contains("cluster version recorded in the data lowered to 1.0");

    Run older = startAndRead(member, "1.0");
    assertThat(older.stdout()).contains("m/k19").contains("v19");

    Run up = migrate("--data-dir", dir, "--target-version", "1.2");
    assertThat(up.exit()).as(up.stderr()).isZero();
    assertThat(up.stdout()).contains("updated storage version to 1.2");
    cluster.start(member);
    assertThat(cluster.grpc(member).status().getStorageVersion()).isEqualTo("1.2.0");
    assertThat(cluster.etcdctl(member).run("get", "m/k0").stdout()).isEqualTo("m/k0\nv0\n");
  }

  /** Starts the member's data with {@code --emulate-version}, reads a key, stops it. */
  private static Run startAndRead(Member member, String version) throws Exception {
    List<String> command = StrataProcessCluster.strataCommand("--name", member.name(),
        "--data-dir", member.dataDir().toString(), "--emulate-version", version,
        "--listen-client-urls", member.clientUrl(), "--listen-peer-urls", member.peerUrl(),
        "--listen-metrics-urls", member.metricsUrl(),
        "--initial-cluster", member.name() + "=" + member.peerUrl());
    Process server = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(member.directory().resolve("emulated.log").toFile()).start();
    try {
      io.strata.e2e.harness.Etcdctl etcdctl = io.strata.e2e.harness.Etcdctl.forEndpoints(member.clientEndpoint());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        var status = etcdctl.run("endpoint", "status");
        if (status.succeeded() && status.stdout().contains(", " + version + ".0, ")) {
          break;
        }
        assertThat(server.isAlive()).as("the %s member keeps running", version).isTrue();
        assertThat(System.nanoTime()).as("the %s member answers in time", version).isLessThan(deadline);
      }
      var read = etcdctl.run("get", "m/k19");
      return new Run(read.exitCode(), read.stdout(), read.stderr());
    } finally {
      server.destroy();
      if (!server.waitFor(20, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static Run migrate(String... args) throws Exception {
    List<String> command = new ArrayList<>(StrataProcessCluster.strataCommand("migrate"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

}
