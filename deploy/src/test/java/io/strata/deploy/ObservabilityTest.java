package io.strata.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Grafana dashboard and the Prometheus alert rules parse, read only metrics the server
 * registers, and every alert points to a runbook that exists. The e2e pod test checks the same names
 * against a real member's scrape.
 */
class ObservabilityTest {
  private static final Path REPOSITORY = MetricReferences.deployDirectory().toAbsolutePath().normalize().getParent();

  static Stream<String> expressions() {
    List<String> all = new ArrayList<>(MetricReferences.dashboardExpressions(MetricReferences.dashboard()));
    MetricReferences.rules(MetricReferences.alertRules()).forEach(r -> all.add(String.valueOf(r.get("expr"))));
    return all.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expressions")
  void everyExpressionParsesAndReadsAMetric(String expression) {
    assertThat(MetricReferences.metricNames(expression)).as(expression).isNotEmpty();
  }

  @Test
  void everyMetricReadIsRegisteredByTheServer() {
    Set<String> families = MetricReferences.familiesInSources(List.of(
        REPOSITORY.resolve("server/src/main/java"), REPOSITORY.resolve("raft-adapter/src/main/java")));
    assertThat(families).as("metric families found in the server's sources").contains("etcd_server_has_leader");
    List<String> unknown = new ArrayList<>();
    for (String name : MetricReferences.referenced()) {
      if (!families.contains(MetricReferences.family(name)) && !MetricReferences.FROM_PROMETHEUS.contains(name)) {
        unknown.add(name);
      }
    }
    assertThat(unknown).as("metrics the dashboard or alerts read that nothing registers").isEmpty();
    assertThat(MetricReferences.referenced()).containsAll(MetricReferences.STATE_DEPENDENT);
  }

  @Test
  void theDashboardShowsWhatAnOperatorWatches() {
    Set<String> read = MetricReferences.referenced();
    assertThat(read).contains("etcd_server_has_leader", "etcd_server_leader_changes_seen_total",
        "etcd_server_proposals_committed_total", "etcd_disk_wal_fsync_duration_seconds_bucket",
        "etcd_disk_backend_commit_duration_seconds_bucket", "etcd_mvcc_db_total_size_in_bytes",
        "etcd_server_quota_backend_bytes", "grpc_server_handled_total", "etcd_debugging_mvcc_watcher_total",
        "strata_server_version", "strata_storage_version", "strata_cluster_version", "strata_downgrade_enabled");
  }

  @Test
  void theDashboardIsAGrafanaDashboardOnAPrometheusDataSource() throws Exception {
    JsonObject dashboard = JsonParser.parseString(Files.readString(MetricReferences.dashboard())).getAsJsonObject();
    assertThat(dashboard.get("uid").getAsString()).isEqualTo("strata-overview");
    Set<Integer> ids = new HashSet<>();
    for (JsonElement element : dashboard.getAsJsonArray("panels")) {
      JsonObject panel = element.getAsJsonObject();
      assertThat(ids.add(panel.get("id").getAsInt())).as("panel ids are unique").isTrue();
      assertThat(panel.getAsJsonObject("gridPos").keySet()).contains("h", "w", "x", "y");
      if (!panel.get("type").getAsString().equals("row")) {
        assertThat(panel.getAsJsonObject("datasource").get("uid").getAsString()).isEqualTo("${datasource}");
        assertThat(panel.get("description").getAsString()).isNotBlank();
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertHasASeverityASummaryAndARunbookThatExists() {
    List<Map<String, Object>> rules = MetricReferences.rules(MetricReferences.alertRules());
    Set<String> names = new HashSet<>();
    for (Map<String, Object> rule : rules) {
      String alert = String.valueOf(rule.get("alert"));
      names.add(alert);
      assertThat(alert).startsWith("Strata");
      assertThat(String.valueOf(rule.get("for"))).as(alert).matches("\\d+[smh]");
      Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
      assertThat(labels.get("severity")).as(alert).isIn("warning", "critical");
      Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
      assertThat(annotations).as(alert).containsKeys("summary", "description", "runbook");
      Path runbook = REPOSITORY.resolve(String.valueOf(annotations.get("runbook")));
      assertThat(runbook).as("%s's runbook", alert).isRegularFile();
    }
    assertThat(names).contains("StrataMembersDown", "StrataInsufficientMembers", "StrataNoLeader",
        "StrataHighNumberOfLeaderChanges", "StrataHighFsyncDurations", "StrataHighCommitDurations",
        "StrataDatabaseQuotaLowSpace", "StrataHighNumberOfFailedGRPCRequests", "StrataDowngradeInProgressTooLong",
        "StrataMemberVersionsDiffer");
  }

  @Test
  void theExpressionReaderFindsMetricsNotLabelsFunctionsOrDurations() {
    assertThat(MetricReferences.metricNames(
        "100 * sum without (grpc_type) (rate(grpc_server_handled_total{job=~\".*strata.*\", grpc_code!=\"OK\"}[5m]))"
            + " / on (instance) group_left max by (instance) (up) > 1"))
        .containsExactly("grpc_server_handled_total", "up");
    assertThat(MetricReferences.metricNames("predict_linear(a_bytes[4h], 4 * 60 * 60) > b_bytes offset 1h"))
        .containsExactly("a_bytes", "b_bytes");
    assertThatThrownBy(() -> MetricReferences.metricNames("sum(rate(x[5m])")).hasMessageContaining("unclosed");
    assertThatThrownBy(() -> MetricReferences.metricNames("x{job=\"a}")).hasMessageContaining("unterminated");
  }

  @Test
  void familiesMatchMicrometersNames() {
    assertThat(MetricReferences.family("etcd_disk_wal_fsync_duration_seconds_bucket")).isEqualTo("etcd_disk_wal_fsync_duration");
    assertThat(MetricReferences.family("etcd_server_leader_changes_seen_total")).isEqualTo("etcd_server_leader_changes_seen");
    assertThat(MetricReferences.seriesInScrape("# HELP a x\na_total 1.0\nb{le=\"1\"} 2\n")).containsExactly("a_total", "b");
  }
}
