package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.peerpb.RpcError;
import io.strata.api.raftpb.Entry;
import io.strata.api.records.DowngradeRecord;
import io.strata.api.version.Version;
import io.strata.server.watch.WatchHub;
import io.strata.server.watch.WatchSettings;
import io.strata.storage.Backend;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerMetricsTest {
  @TempDir Path dir;

  private final ServerMetrics metrics = new ServerMetrics();

  /** The Prometheus client would expose a gauge named x_total as x; dashboards look for etcd's name. */
  @Test
  void etcds_watch_gauges_are_exposed_under_etcds_names_ending_in_total() {
    try (Backend backend = Backend.open(dir.resolve("db"));
        WatchHub hub = new WatchHub(backend, revision -> ResponseHeader.getDefaultInstance(),
            WatchSettings.defaults(1 << 20))) {
      metrics.bind(hub);
      assertThat(metrics.scrape().lines()).contains(
          "# TYPE etcd_debugging_mvcc_watch_stream_total gauge",
          "etcd_debugging_mvcc_watch_stream_total 0.0",
          "etcd_debugging_mvcc_watcher_total 0.0",
          "etcd_debugging_mvcc_slow_watcher_total 0.0");
    }
  }

  @Test
  void wal_fsync_durations_fill_etcds_buckets_of_one_millisecond_doubling_to_8_seconds() {
    metrics.logAppended(3, TimeUnit.MICROSECONDS.toNanos(3_000));
    metrics.logAppended(1, TimeUnit.MICROSECONDS.toNanos(500));
    List<String> lines = metrics.scrape().lines().toList();
    assertThat(lines).contains("# TYPE etcd_disk_wal_fsync_duration_seconds histogram",
        "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 1",
        "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.002\"} 1",
        "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.004\"} 2",
        "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 2",
        "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 2",
        "etcd_disk_wal_fsync_duration_seconds_count 2");
    assertThat(lines.stream().filter(l -> l.startsWith("etcd_disk_wal_fsync_duration_seconds_bucket")))
        .as("14 buckets and +Inf, as etcd's").hasSize(15);
    assertThat(lines.stream().filter(l -> l.startsWith("etcd_disk_backend_commit_duration_seconds_bucket")))
        .hasSize(15);
  }

  @Test
  void peer_round_trips_fill_etcds_buckets_of_a_tenth_of_a_millisecond_doubling_to_3_seconds_by_member() {
    metrics.peerRoundTrip("8e9e05c52164694d", TimeUnit.MICROSECONDS.toNanos(150));
    metrics.peerRoundTrip("8e9e05c52164694d", TimeUnit.MILLISECONDS.toNanos(3));
    metrics.peerRoundTrip("91bc3c398fb3c146", TimeUnit.MICROSECONDS.toNanos(50));
    List<String> lines = metrics.scrape().lines().toList();
    assertThat(lines).contains("# TYPE etcd_network_peer_round_trip_time_seconds histogram",
        "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"1.0E-4\"} 0",
        "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"2.0E-4\"} 1",
        "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"0.0032\"} 2",
        "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"3.2768\"} 2",
        "etcd_network_peer_round_trip_time_seconds_count{To=\"8e9e05c52164694d\"} 2",
        "etcd_network_peer_round_trip_time_seconds_bucket{To=\"91bc3c398fb3c146\",le=\"1.0E-4\"} 1",
        "etcd_network_peer_round_trip_time_seconds_count{To=\"91bc3c398fb3c146\"} 1");
    assertThat(lines.stream().filter(l -> l.startsWith("etcd_network_peer_round_trip_time_seconds_bucket{To=\"91bc")))
        .as("16 buckets and +Inf, as etcd's").hasSize(17);
  }

  @Test
  void backend_snapshots_fill_etcds_buckets_of_ten_milliseconds_doubling_to_655_seconds() {
    List<String> before = metrics.scrape().lines().toList();
    assertThat(before).contains("etcd_disk_backend_snapshot_duration_seconds_count 0");
    metrics.backendSnapshotSent(TimeUnit.MILLISECONDS.toNanos(30));
    List<String> lines = metrics.scrape().lines().toList();
    assertThat(lines).contains("# TYPE etcd_disk_backend_snapshot_duration_seconds histogram",
        "etcd_disk_backend_snapshot_duration_seconds_bucket{le=\"0.02\"} 0",
        "etcd_disk_backend_snapshot_duration_seconds_bucket{le=\"0.04\"} 1",
        "etcd_disk_backend_snapshot_duration_seconds_bucket{le=\"655.36\"} 1",
        "etcd_disk_backend_snapshot_duration_seconds_count 1");
    assertThat(lines.stream().filter(l -> l.startsWith("etcd_disk_backend_snapshot_duration_seconds_bucket")))
        .as("17 buckets and +Inf, as etcd's").hasSize(18);
  }

  @Test
  void failed_read_indexes_are_counted_under_etcds_name() {
    assertThat(metrics.scrape().lines()).contains("# TYPE etcd_server_read_indexes_failed_total counter",
        "etcd_server_read_indexes_failed_total 0.0");
    metrics.readIndexFailed();
    metrics.readIndexFailed();
    assertThat(metrics.scrape().lines()).contains("etcd_server_read_indexes_failed_total 2.0");
  }

  @Test
  void backend_commits_are_timed() {
    metrics.stateBatchCommitted(TimeUnit.MILLISECONDS.toNanos(20));
    assertThat(metrics.scrape().lines()).contains(
        "etcd_disk_backend_commit_duration_seconds_bucket{le=\"0.016\"} 0",
        "etcd_disk_backend_commit_duration_seconds_bucket{le=\"0.032\"} 1",
        "etcd_disk_backend_commit_duration_seconds_count 1");
  }

  @Test
  void counters_carry_etcds_total_names_and_the_counter_type() {
    metrics.leaderChanged();
    metrics.leaderChanged();
    metrics.proposalStarted();
    metrics.proposalStarted();
    metrics.proposalStarted();
    metrics.proposalDone(true);
    metrics.proposalDone(false);
    assertThat(metrics.scrape().lines()).contains(
        "# TYPE etcd_server_leader_changes_seen_total counter",
        "etcd_server_leader_changes_seen_total 2.0",
        "etcd_server_proposals_pending 1.0",
        "# TYPE etcd_server_proposals_failed_total counter",
        "etcd_server_proposals_failed_total 1.0");
  }

  /** etcd's counters without _total keep their names (the Java client would append _total). */
  @Test
  void health_counters_keep_etcds_names_without_total() {
    metrics.healthChecked(true);
    metrics.healthChecked(true);
    metrics.healthChecked(false);
    metrics.snapshotInstalled();
    metrics.checkRan("readyz", "linearizable_read", false);
    metrics.checkRan("readyz", "linearizable_read", true);
    assertThat(metrics.scrape().lines()).contains(
        "# TYPE etcd_server_health_success counter",
        "etcd_server_health_success 2.0",
        "etcd_server_health_failures 1.0",
        "etcd_network_snapshot_receive_success 1.0",
        "etcd_server_healthcheck{name=\"linearizable_read\",type=\"readyz\"} 1.0",
        "etcd_server_healthchecks_total{name=\"linearizable_read\",status=\"error\",type=\"readyz\"} 1.0",
        "etcd_server_healthchecks_total{name=\"linearizable_read\",status=\"success\",type=\"readyz\"} 1.0");
  }

  @Test
  void applied_key_operations_are_counted_as_etcds_mvcc_layer_counts_them() {
    metrics.entryApplied(Entry.newBuilder().setPut(PutRequest.newBuilder().setKey(key("a"))).build(),
        ApplyResult.getDefaultInstance(), 1_000);
    metrics.entryApplied(Entry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(key("a"))).build(),
        ApplyResult.getDefaultInstance(), 1_000);
    // A failed entry changed nothing: not counted.
    metrics.entryApplied(Entry.newBuilder().setPut(PutRequest.newBuilder().setKey(key("b"))).build(),
        ApplyResult.newBuilder().setError(RpcError.newBuilder().setMessage("etcdserver: mvcc: database space exceeded")).build(), 1_000);
    // The success branch (put, range, and a nested txn whose failure branch deletes) ran: 3 ops, one txn.
    TxnRequest nested = TxnRequest.newBuilder()
        .addSuccess(put("x")).addSuccess(put("y"))
        .addFailure(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key("z"))))
        .build();
    TxnRequest txn = TxnRequest.newBuilder()
        .addSuccess(put("c"))
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key("c"))))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))
        .addFailure(put("never"))
        .build();
    TxnResponse response = TxnResponse.newBuilder().setSucceeded(true)
        .addResponses(ResponseOp.getDefaultInstance()).addResponses(ResponseOp.getDefaultInstance())
        .addResponses(ResponseOp.newBuilder().setResponseTxn(TxnResponse.newBuilder().setSucceeded(false)))
        .build();
    metrics.entryApplied(Entry.newBuilder().setTxn(txn).build(), ApplyResult.newBuilder().setTxn(response).build(), 1_000);
    // A txn of one operation is not a txn to etcd's counter.
    metrics.entryApplied(Entry.newBuilder().setTxn(TxnRequest.newBuilder().addSuccess(put("d"))).build(),
        ApplyResult.newBuilder().setTxn(TxnResponse.newBuilder().setSucceeded(true)).build(), 1_000);
    metrics.entryApplied(Entry.newBuilder().setPut(PutRequest.newBuilder().setKey(key("slow"))).build(),
        ApplyResult.getDefaultInstance(), TimeUnit.MILLISECONDS.toNanos(150));
    assertThat(metrics.scrape().lines()).contains(
        "etcd_server_slow_apply_total 1.0",
        "etcd_mvcc_put_total 4.0",
        "etcd_mvcc_delete_total 2.0",
        "etcd_mvcc_range_total 1.0",
        "etcd_mvcc_txn_total 1.0");
  }

  @Test
  void version_metrics_follow_the_applied_versions_and_the_downgrade() {
    AtomicReference<Optional<Version>> cluster = new AtomicReference<>(Optional.empty());
    AtomicReference<Optional<Version>> storage = new AtomicReference<>(Optional.of(new Version(1, 2)));
    AtomicReference<DowngradeRecord> downgrade = new AtomicReference<>(DowngradeRecord.getDefaultInstance());
    AtomicReference<String> state = new AtomicReference<>("none");
    metrics.bind(new VersionMetrics.Sources(new Version(1, 2), storage::get, cluster::get, downgrade::get, state::get));

    String before = metrics.scrape();
    assertThat(before.lines()).contains(
        "etcd_server_version{server_version=\"1.2.0\"} 1.0",
        "strata_server_version{version=\"1.2\"} 1.0",
        "strata_storage_version{version=\"1.2\"} 1.0",
        "strata_downgrade_enabled 0.0",
        "strata_downgrade_state{state=\"none\"} 1.0",
        "strata_downgrade_state{state=\"enabled\"} 0.0");
    assertThat(before).as("no cluster version decided yet").doesNotContain("strata_cluster_version{")
        .doesNotContain("etcd_cluster_version{").doesNotContain("strata_downgrade_target_version{");

    cluster.set(Optional.of(new Version(1, 2)));
    assertThat(metrics.scrape().lines()).contains("etcd_cluster_version{cluster_version=\"1.2\"} 1.0",
        "strata_cluster_version{version=\"1.2\"} 1.0");

    cluster.set(Optional.of(new Version(1, 1)));
    storage.set(Optional.of(new Version(1, 1)));
    downgrade.set(DowngradeRecord.newBuilder().setEnabled(true).setTargetVersion("1.1").build());
    state.set("enabled");
    String after = metrics.scrape();
    assertThat(after.lines()).contains(
        "etcd_cluster_version{cluster_version=\"1.1\"} 1.0",
        "strata_cluster_version{version=\"1.1\"} 1.0",
        "strata_storage_version{version=\"1.1\"} 1.0",
        "strata_server_version{version=\"1.2\"} 1.0",
        "strata_downgrade_enabled 1.0",
        "strata_downgrade_target_version{version=\"1.1\"} 1.0",
        "strata_downgrade_state{state=\"enabled\"} 1.0",
        "strata_downgrade_state{state=\"none\"} 0.0");
    assertThat(after).as("the old version's series are gone")
        .doesNotContain("strata_cluster_version{version=\"1.2\"}").doesNotContain("cluster_version=\"1.2\"");
  }

  @Test
  void storage_migrations_are_counted_by_versions_and_timed() {
    metrics.storageMigrated(new Version(1, 2), new Version(1, 1), TimeUnit.MILLISECONDS.toNanos(30));
    assertThat(metrics.scrape().lines()).contains(
        "# TYPE strata_storage_migrations_total counter",
        "strata_storage_migrations_total{from=\"1.2\",to=\"1.1\"} 1.0",
        "strata_storage_migration_duration_seconds_bucket{le=\"0.02\"} 0",
        "strata_storage_migration_duration_seconds_bucket{le=\"0.04\"} 1",
        "strata_storage_migration_duration_seconds_count 1");
  }

  @Test
  void process_metrics_carry_the_go_process_collectors_names() {
    String text = metrics.scrape();
    assertThat(text.lines()).contains("# TYPE process_cpu_seconds_total counter");
    assertThat(value(text, "process_resident_memory_bytes")).isGreaterThan(1 << 20);
    assertThat(value(text, "process_virtual_memory_bytes")).isGreaterThan(value(text, "process_resident_memory_bytes"));
    assertThat(value(text, "process_open_fds")).isPositive();
    assertThat(value(text, "process_max_fds")).isGreaterThanOrEqualTo(value(text, "process_open_fds"));
    assertThat(value(text, "process_start_time_seconds") * 1000)
        .isBetween(System.currentTimeMillis() - 3_600_000.0, (double) System.currentTimeMillis());
  }

  @Test
  void proc_status_sizes_are_read_in_bytes() {
    assertThat(ProcessMetrics.parseStatusBytes(List.of("Name:\tjava", "VmSize:\t 4096 kB", "VmRSS:\t  812 kB"), "VmRSS:"))
        .isEqualTo(812 * 1024);
    assertThat(ProcessMetrics.parseStatusBytes(List.of("Name:\tjava"), "VmRSS:")).isEqualTo(-1);
  }

  private static double value(String text, String name) {
    return text.lines().filter(l -> l.startsWith(name + " ")).map(l -> Double.parseDouble(l.substring(name.length() + 1)))
        .findFirst().orElseThrow(() -> new AssertionError("no sample of " + name + " in\n" + text));
  }

  private static ByteString key(String text) {
    return ByteString.copyFromUtf8(text);
  }

  private static RequestOp put(String k) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key(k))).build();
  }
}
