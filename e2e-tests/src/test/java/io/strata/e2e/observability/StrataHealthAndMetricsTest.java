package io.strata.e2e.observability;

import static io.strata.e2e.harness.VersionWaits.awaitVersions;
import static io.strata.e2e.harness.VersionWaits.clusterVersion;
import static io.strata.e2e.harness.VersionWaits.storageVersion;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import io.strata.e2e.version.DowngradeSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scenarios on Strata, plus what only Strata has: etcd 3.6's {@code /livez} and
 * {@code /readyz} (etcd 3.4 has neither), the {@code strata_} version metrics through a downgrade
 * enabled and cancelled, and JSON logs. The members get {@code STRATA_LOG_FORMAT=json} from the
 * environment, so every line they write must be a JSON object.
 */
@Tag("strata")
class StrataHealthAndMetricsTest extends HealthAndMetricsScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }

  @Override
  protected ClusterSpec spec() {
    return ClusterSpec.threeMembers().withEnvironment(Map.of("STRATA_LOG_FORMAT", "json"));
  }

  @Override
  protected void assertUnhealthyBecauseQuorumIsLost(Scrape health) {
    assertThat(health.body()).isEqualTo("{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n");
  }

  @Test
  @Order(6)
  void livez_and_readyz_pass_every_check_on_a_healthy_cluster() {
    for (Member m : cluster.members()) {
      assertThat(Scrape.get(m, "/livez")).isEqualTo(new Scrape(200, "ok\n"));
      assertThat(Scrape.get(m, "/livez?verbose")).isEqualTo(new Scrape(200, "[+]serializable_read ok\nok\n"));
      assertThat(Scrape.get(m, "/readyz?verbose")).isEqualTo(new Scrape(200,
          "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\nok\n"));
      assertThat(Scrape.get(m, "/readyz/linearizable_read")).isEqualTo(new Scrape(200, "ok\n"));
      assertThat(Scrape.get(m, "/health")).isEqualTo(new Scrape(200, "{\"health\":\"true\",\"reason\":\"\"}"));
      assertThat(Scrape.metrics(m).valueOf("etcd_server_healthcheck{name=\"linearizable_read\",type=\"readyz\"}"))
          .isEqualTo(1);
    }
  }

  @Test
  @Order(7)
  void the_version_metrics_follow_a_downgrade_enabled_and_cancelled() {
    for (Member m : cluster.members()) {
      Scrape metrics = Scrape.metrics(m);
      assertThat(metrics.valueOf("etcd_server_version{server_version=\"1.2.0\"}")).isEqualTo(1);
      assertThat(metrics.valueOf("strata_server_version{version=\"1.2\"}")).isEqualTo(1);
      assertThat(metrics.series("strata_cluster_version")).containsExactly("strata_cluster_version{version=\"1.2\"} 1.0");
      assertThat(metrics.series("etcd_cluster_version")).containsExactly("etcd_cluster_version{cluster_version=\"1.2\"} 1.0");
      assertThat(metrics.series("strata_storage_version")).containsExactly("strata_storage_version{version=\"1.2\"} 1.0");
      assertThat(metrics.valueOf("strata_downgrade_enabled")).isZero();
      assertThat(metrics.valueOf("strata_downgrade_state{state=\"none\"}")).isEqualTo(1);
      assertThat(metrics.series("strata_storage_migrations_total")).isEmpty();
    }

    DowngradeSupport.downgrade(cluster, cluster.member(1), DowngradeAction.ENABLE, "1.1");
    awaitVersions(cluster, "downgrade to 1.1 enabled, storage lowered", clusterVersion("1.1"), storageVersion("1.1"),
        VersionWaits.downgradeState("enabled"));
    for (Member m : cluster.members()) {
      Scrape metrics = Scrape.metrics(m);
      assertThat(metrics.series("strata_cluster_version")).as(m.name()).containsExactly("strata_cluster_version{version=\"1.1\"} 1.0");
      assertThat(metrics.series("etcd_cluster_version")).containsExactly("etcd_cluster_version{cluster_version=\"1.1\"} 1.0");
      assertThat(metrics.series("strata_storage_version")).containsExactly("strata_storage_version{version=\"1.1\"} 1.0");
      assertThat(metrics.valueOf("strata_server_version{version=\"1.2\"}")).isEqualTo(1);
      assertThat(metrics.valueOf("strata_downgrade_enabled")).isEqualTo(1);
      assertThat(metrics.series("strata_downgrade_target_version")).containsExactly(
          "strata_downgrade_target_version{version=\"1.1\"} 1.0");
      assertThat(metrics.valueOf("strata_downgrade_state{state=\"enabled\"}")).isEqualTo(1);
      assertThat(metrics.valueOf("strata_downgrade_state{state=\"none\"}")).isZero();
      assertThat(metrics.series("strata_storage_migrations_total")).as("%s lowered its storage once", m.name())
          .containsExactly("strata_storage_migrations_total{from=\"1.2\",to=\"1.1\"} 1.0");
      assertThat(metrics.valueOf("strata_storage_migration_duration_seconds_count")).isEqualTo(1);
    }

    DowngradeSupport.downgrade(cluster, cluster.member(2), DowngradeAction.CANCEL, "");
    awaitVersions(cluster, "downgrade cancelled, storage back at 1.2", clusterVersion("1.2"), storageVersion("1.2"),
        VersionWaits.downgradeState("cancelled"));
    for (Member m : cluster.members()) {
      Scrape metrics = Scrape.metrics(m);
      assertThat(metrics.series("strata_cluster_version")).containsExactly("strata_cluster_version{version=\"1.2\"} 1.0");
      assertThat(metrics.series("strata_storage_version")).containsExactly("strata_storage_version{version=\"1.2\"} 1.0");
      assertThat(metrics.valueOf("strata_downgrade_enabled")).isZero();
      assertThat(metrics.valueOf("strata_downgrade_state{state=\"cancelled\"}")).isEqualTo(1);
      assertThat(metrics.series("strata_storage_migrations_total")).containsExactlyInAnyOrder(
          "strata_storage_migrations_total{from=\"1.2\",to=\"1.1\"} 1.0",
          "strata_storage_migrations_total{from=\"1.1\",to=\"1.2\"} 1.0");
    }
  }

  /** Runs after the base class stopped two members: the survivor is live but not ready. */
  @Test
  @Order(21)
  void a_member_that_lost_quorum_is_live_but_not_ready() {
    Member survivor = cluster.member(0);
    assertThat(Scrape.get(survivor, "/livez?verbose")).isEqualTo(new Scrape(200, "[+]serializable_read ok\nok\n"));
    assertThat(Scrape.get(survivor, "/health?serializable=true").status()).isEqualTo(200);
    Scrape readyz = Scrape.get(survivor, "/readyz?verbose");
    assertThat(readyz.status()).isEqualTo(503);
    assertThat(readyz.body()).startsWith("[+]data_corruption ok\n[+]serializable_read ok\n[-]linearizable_read failed: ")
        .endsWith("\n\n");
    assertThat(Scrape.get(survivor, "/readyz?exclude=linearizable_read")).isEqualTo(new Scrape(200, "ok\n"));
    assertThat(Scrape.metrics(survivor).valueOf("etcd_server_healthcheck{name=\"linearizable_read\",type=\"readyz\"}"))
        .isZero();
    // Raft refuses a read index without a leader (etcd 3.4's Raft drops it and lets it time out
    // instead, counting it in etcd_server_slow_read_indexes_total).
    assertThat(Scrape.metrics(survivor).valueOf("etcd_server_read_indexes_failed_total")).isPositive();
  }

  @Test
  @Order(22)
  void every_line_a_member_logged_is_a_json_object() throws IOException {
    for (Member m : cluster.members()) {
      List<String> lines = Files.readAllLines(m.logFile(), StandardCharsets.UTF_8).stream()
          .filter(line -> !line.startsWith("===== [e2e]")) // the harness's own line before each start
          .toList();
      assertThat(lines).as("%s logged", m.name()).isNotEmpty();
      for (String line : lines) {
        JsonObject json;
        try {
          json = JsonParser.parseString(line).getAsJsonObject();
        } catch (RuntimeException e) {
          throw new AssertionError(m.name() + " logged a line that is no JSON object: " + line, e);
        }
        assertThat(json.keySet()).as(line).contains("level", "ts", "logger", "caller", "msg");
      }
      assertThat(lines).as("%s logged its start", m.name())
          .anyMatch(line -> JsonParser.parseString(line).getAsJsonObject().get("msg").getAsString().contains("serving clients"));
    }
  }
}
