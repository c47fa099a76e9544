package io.strata.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.raft.RaftObserver;
import io.strata.server.watch.WatchHub;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * The member's metrics, under etcd's names where the meaning is the same so that etcd dashboards
 * and alerts work unchanged. Prometheus' text format appends {@code _total} to counters, so a
 * metric etcd exposes as a counter without that suffix is exposed here as a monotonic gauge.
 *
 * <p>Threading: thread-safe.
 */
final class ServerMetrics implements RaftObserver {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter leaderChanges;
  private final Timer snapshotSaves;
  private final AtomicLong snapshotsReceived = new AtomicLong();
  private final List<TotalGauge> totalGauges = new CopyOnWriteArrayList<>();
  private final AtomicLong snapshotReceiveFailures = new AtomicLong();

  ServerMetrics() {
    leaderChanges = Counter.builder("etcd_server_leader_changes_seen")
        .description("The number of leader changes seen.").register(registry);
    snapshotSaves = Timer.builder("etcd_debugging_snap_save_total_duration")
        .description("The total latency distributions of save called by snapshot.").register(registry);
    Gauge.builder("etcd_network_snapshot_receive_success", snapshotsReceived, AtomicLong::get)
        .description("Total number of successful snapshot receives.").register(registry);
    Gauge.builder("etcd_network_snapshot_receive_failures", snapshotReceiveFailures, AtomicLong::get)
        .description("Total number of snapshot receive failures.").register(registry);
  }

  /** Registers the gauges that read live member state. */
  void bind(MemberContext member) {
    Gauge.builder("etcd_server_has_leader", member, m -> m.raft().leader() != null ? 1 : 0)
        .description("Whether or not a leader exists. 1 is existence, 0 is not.").register(registry);
    Gauge.builder("etcd_server_is_leader", member, m -> m.raft().isLeader() ? 1 : 0)
        .description("Whether or not this member is a leader. 1 if is, 0 otherwise.").register(registry);
    totalGauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
        () -> member.raft().committedIndex());
    totalGauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
        () -> member.raft().appliedIndex());
    Gauge.builder("etcd_mvcc_db_total_size_in_bytes", member, m -> m.backend().sizeBytes())
        .description("Total size of the underlying database physically allocated in bytes.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_use_in_bytes", member, m -> m.backend().sizeInUseBytes())
        .description("Total size of the underlying database logically in use in bytes.").register(registry);
  }

  /** Registers etcd's watch gauges. */
  void bind(WatchHub watches) {
    totalGauge("etcd_debugging_mvcc_watch_stream_total", "Total number of watch streams.", watches::streamCount);
    totalGauge("etcd_debugging_mvcc_watcher_total", "Total number of watchers.", watches::watcherCount);
    totalGauge("etcd_debugging_mvcc_slow_watcher_total", "Total number of unsynced slow watchers.",
        watches::slowWatcherCount);
  }

  /**
   * An etcd gauge whose name ends in {@code _total}: the Prometheus client drops that suffix from a
   * gauge's name, so these are written after the registry's exposition, under etcd's exact names.
   */
  private void totalGauge(String name, String help, DoubleSupplier value) {
    totalGauges.add(new TotalGauge(name, help, value));
  }

  private record TotalGauge(String name, String help, DoubleSupplier value) {}

  String scrape() {
    StringBuilder text = new StringBuilder(registry.scrape());
    for (TotalGauge gauge : totalGauges) {
      text.append("# HELP ").append(gauge.name()).append(' ').append(gauge.help()).append('\n')
          .append("# TYPE ").append(gauge.name()).append(" gauge\n")
          .append(gauge.name()).append(' ').append(gauge.value().getAsDouble()).append('\n');
    }
    return text.toString();
  }

  @Override
  public void leaderChanged() {
    leaderChanges.increment();
  }

  @Override
  public void snapshotSaved(long nanos) {
    snapshotSaves.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void snapshotInstalled() {
    snapshotsReceived.incrementAndGet();
  }

  @Override
  public void snapshotDownloadCancelled() {
    snapshotReceiveFailures.incrementAndGet();
  }
}
