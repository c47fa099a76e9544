package io.strata.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.raft.RaftObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
    Gauge.builder("etcd_server_proposals_committed_total", member, m -> m.raft().committedIndex())
        .description("The total number of consensus proposals committed.").register(registry);
    Gauge.builder("etcd_server_proposals_applied_total", member, m -> m.raft().appliedIndex())
        .description("The total number of consensus proposals applied.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_bytes", member, m -> m.backend().sizeBytes())
        .description("Total size of the underlying database physically allocated in bytes.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_use_in_bytes", member, m -> m.backend().sizeInUseBytes())
        .description("Total size of the underlying database logically in use in bytes.").register(registry);
  }

  String scrape() {
    return registry.scrape();
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
