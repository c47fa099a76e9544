package io.strata.e2e.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.StrataProcessCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --emulate-version}: a member emulating an older release advertises it, refuses what it
 * did not have, and a member refuses, untouched, data whose storage version is newer than itself.
 */
@Tag("strata")
class StrataEmulatedVersionTest {
  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  void a_member_emulating_1_0_advertises_it_and_refuses_1_1_requests() {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.ofSize(1).withExtraFlags("--emulate-version", "1.0"));
    Member member = cluster.member(0);
    var status = cluster.grpc(member).status();
    assertThat(status.getVersion()).isEqualTo("1.0.0");
    assertThat(status.getStorageVersion()).isEqualTo("1.0.0");
    Etcdctl etcdctl = cluster.etcdctl(member);
    assertThat(etcdctl.run("put", "k", "v").stdout()).isEqualTo("OK\n");
    var learner = etcdctl.run("member", "add", "l1", "--learner", "--peer-urls=http://127.0.0.1:1");
    assertThat(learner.error()).hasValue("etcdserver: not capable");
    var promote = etcdctl.run("member", "promote", "1234");
    assertThat(promote.error()).hasValue("etcdserver: not capable");
  }

  @Test
  void a_member_refuses_data_newer_than_its_version_and_leaves_it_untouched() throws Exception {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.ofSize(1));
    Member member = cluster.member(0);
    assertThat(cluster.grpc(member).status().getStorageVersion()).isEqualTo("1.2.0");
    assertThat(cluster.etcdctl(member).run("put", "k", "v").stdout()).isEqualTo("OK\n");
    cluster.stop(member);
    Map<String, FileTime> before = snapshotOfFiles(member.dataDir());

    Process older = new ProcessBuilder(StrataProcessCluster.strataCommand(
        "--name", member.name(), "--data-dir", member.dataDir().toString(),
        "--emulate-version", "1.1",
        "--listen-client-urls", member.clientUrl(), "--listen-peer-urls", member.peerUrl(),
        "--listen-metrics-urls", member.metricsUrl(),
        "--initial-cluster", member.name() + "=" + member.peerUrl()))
        .redirectErrorStream(true).start();
    assertThat(older.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(older.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(older.exitValue()).as(output).isEqualTo(3);
    assertThat(output).contains("refusing to start").contains("storage version 1.2, newer than this member's version 1.1");
    assertThat(snapshotOfFiles(member.dataDir())).isEqualTo(before);

    cluster.start(member);
    assertThat(cluster.etcdctl(member).run("get", "k").stdout()).isEqualTo("k\nv\n");
  }

  private static Map<String, FileTime> snapshotOfFiles(Path root) throws Exception {
    Map<String, FileTime> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(path).toString(), Files.getLastModifiedTime(path));
      }
    }
    return files;
  }
}
