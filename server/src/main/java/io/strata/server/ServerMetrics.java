package io.strata.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.version.Version;
import io.strata.raft.RaftObserver;
import io.strata.server.watch.WatchHub;
import io.strata.storage.ReadView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * The member's metrics, under etcd's names, types, labels and histogram buckets where the meaning
 * is the same, so that etcd dashboards and alerts work unchanged; Strata's own under
 * {@code strata_} ({@link VersionMetrics}). Families the Prometheus Java client cannot name as
 * etcd does are written by {@link EtcdNamedFamilies}.
 *
 * <p>What the disk histograms measure here: {@code etcd_disk_wal_fsync_duration_seconds} is each
 * append to jraft's Raft log (a RocksDB write with sync, so the write plus its fsync; see
 * {@code TimedLogStorage}); {@code etcd_disk_backend_commit_duration_seconds} is each write of an
 * applied group of entries to the state database.
 *
 * <p>Threading: thread-safe. The {@link RaftObserver} events arrive on jraft's threads and only
 * count.
 */
final class ServerMetrics implements RaftObserver, Health.Listener, ClusterVersions.MigrationListener {
  /** etcd's disk buckets: 1 ms doubling to 8.192 s (prometheus.ExponentialBuckets(0.001, 2, 14)). */
  static final Duration[] DISK_BUCKETS = exponentialBuckets(Duration.ofMillis(1), 14);
  /** etcd's peer round-trip buckets: 0.1 ms doubling to 3.2768 s (ExponentialBuckets(0.0001, 2, 16)). */
  static final Duration[] ROUND_TRIP_BUCKETS = exponentialBuckets(Duration.ofNanos(100_000), 16);
  /** etcd's backend snapshot buckets: 10 ms doubling to 655.36 s (ExponentialBuckets(0.01, 2, 17)). */
  static final Duration[] BACKEND_SNAPSHOT_BUCKETS = exponentialBuckets(Duration.ofMillis(10), 17);
  /** Migrations take longer: 10 ms doubling to 163.84 s. */
  static final Duration[] MIGRATION_BUCKETS = exponentialBuckets(Duration.ofMillis(10), 15);
  /** etcd's warning threshold for one apply: longer ones count in etcd_server_slow_apply_total. */
  static final long SLOW_APPLY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final EtcdNamedFamilies etcdNamed = new EtcdNamedFamilies();
  private final GrpcServerMetrics grpc;
  private volatile VersionMetrics versions;
  private final Counter leaderChanges;
  private final Counter proposalsFailed;
  private final Counter slowApplies;
  private final AtomicLong proposalsPending = new AtomicLong();
  private final Timer walFsyncs;
  private final Timer backendCommits;
  private final Timer snapshotSaves;
  private final Timer migrationDurations;
  private final Timer backendSnapshots;
  private final Counter readIndexesFailed;
  private final Map<String, Timer> peerRoundTrips = new ConcurrentHashMap<>();
  private final Counter puts;
  private final Counter deletes;
  private final Counter ranges;
  private final Counter txns;
  private final AtomicLong snapshotsReceived = new AtomicLong();
  private final AtomicLong snapshotReceiveFailures = new AtomicLong();
  private final AtomicLong healthSuccesses = new AtomicLong();
  private final AtomicLong healthFailures = new AtomicLong();
  private final Map<String, AtomicInteger> healthCheckResults = new ConcurrentHashMap<>();

  ServerMetrics() {
    leaderChanges = Counter.builder("etcd_server_leader_changes_seen")
        .description("The number of leader changes seen.").register(registry);
    proposalsFailed = Counter.builder("etcd_server_proposals_failed")
        .description("The total number of failed proposals seen.").register(registry);
    slowApplies = Counter.builder("etcd_server_slow_apply")
        .description("The total number of slow apply requests (likely overloaded from slow disk).").register(registry);
    Gauge.builder("etcd_server_proposals_pending", proposalsPending, AtomicLong::get)
        .description("The current number of pending proposals to commit.").register(registry);
    walFsyncs = histogram("etcd_disk_wal_fsync_duration", "The latency distributions of fsync called by WAL.",
        DISK_BUCKETS);
    backendCommits = histogram("etcd_disk_backend_commit_duration",
        "The latency distributions of commit called by backend.", DISK_BUCKETS);
    snapshotSaves = Timer.builder("etcd_debugging_snap_save_total_duration")
        .description("The total latency distributions of save called by snapshot.").register(registry);
    backendSnapshots = histogram("etcd_disk_backend_snapshot_duration", "The latency distribution of backend snapshots.",
        BACKEND_SNAPSHOT_BUCKETS);
    readIndexesFailed = Counter.builder("etcd_server_read_indexes_failed")
        .description("The total number of failed read indexes seen.").register(registry);
    migrationDurations = histogram("strata_storage_migration_duration",
        "The durations of storage version migrations run by this member.", MIGRATION_BUCKETS);
    puts = Counter.builder("etcd_mvcc_put").description("Total number of puts seen by this member.").register(registry);
    deletes = Counter.builder("etcd_mvcc_delete").description("Total number of deletes seen by this member.")
        .register(registry);
    ranges = Counter.builder("etcd_mvcc_range").description("Total number of ranges seen by this member.")
        .register(registry);
    txns = Counter.builder("etcd_mvcc_txn").description("Total number of txns seen by this member.").register(registry);
    grpc = new GrpcServerMetrics(registry, Map.of("etcdserverpb.KV/Range", ranges::increment));
    etcdNamed.counter("etcd_network_snapshot_receive_success", "Total number of successful snapshot receives.",
        snapshotsReceived::get);
    etcdNamed.counter("etcd_network_snapshot_receive_failures", "Total number of snapshot receive failures.",
        snapshotReceiveFailures::get);
    etcdNamed.counter("etcd_server_health_success", "The total number of successful health checks",
        healthSuccesses::get);
    etcdNamed.counter("etcd_server_health_failures", "The total number of failed health checks",
        healthFailures::get);
    ProcessMetrics.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
  }

  private Timer histogram(String name, String help, Duration[] buckets) {
    return Timer.builder(name).description(help).serviceLevelObjectives(buckets).register(registry);
  }

  static Duration[] exponentialBuckets(Duration start, int count) {
    Duration[] buckets = new Duration[count];
    for (int i = 0; i < count; i++) {
      buckets[i] = start.multipliedBy(1L << i);
    }
    return buckets;
  }

  /** Registers the gauges that read live member state. */
  void bind(MemberContext member, long quotaBackendBytes) {
    Gauge.builder("etcd_server_has_leader", member, m -> m.raft().leader() != null ? 1 : 0)
        .description("Whether or not a leader exists. 1 is existence, 0 is not.").register(registry);
    Gauge.builder("etcd_server_is_leader", member, m -> m.raft().isLeader() ? 1 : 0)
        .description("Whether or not this member is a leader. 1 if is, 0 otherwise.").register(registry);
    Gauge.builder("etcd_server_is_learner", member, m -> m.isLearner() ? 1 : 0)
        .description("Whether or not this member is a learner. 1 if is, 0 otherwise.").register(registry);
    Gauge.builder("etcd_server_id", () -> 1).tags("server_id", Long.toHexString(member.memberId()))
        .description("Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.")
        .register(registry);
    Gauge.builder("etcd_server_quota_backend_bytes", () -> quotaBackendBytes)
        .description("Current backend storage quota size in bytes.").register(registry);
    etcdNamed.gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
        () -> member.raft().committedIndex());
    etcdNamed.gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
        () -> member.raft().appliedIndex());
    etcdNamed.gauge("etcd_server_snapshot_apply_in_progress_total",
        "1 if the server is applying the incoming snapshot. 0 if none.",
        () -> member.raft().isInstallingSnapshot() ? 1 : 0);
    Gauge.builder("etcd_mvcc_db_total_size_in_bytes", member, m -> m.backend().sizeBytes())
        .description("Total size of the underlying database physically allocated in bytes.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_use_in_bytes", member, m -> m.backend().sizeInUseBytes())
        .description("Total size of the underlying database logically in use in bytes.").register(registry);
    etcdNamed.gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", () -> member.backend().liveKeyCount());
    Gauge.builder("etcd_debugging_mvcc_current_revision", member, store(ReadView::currentRevision))
        .description("The current revision of store.").register(registry);
    Gauge.builder("etcd_debugging_mvcc_compact_revision", member, store(ReadView::compactRevision))
        .description("The revision of the last compaction in store.").register(registry);
  }

  private static ToDoubleFunction<MemberContext> store(ToDoubleFunction<ReadView> read) {
    return m -> {
      try (ReadView view = m.backend().readView()) {
        return read.applyAsDouble(view);
      }
    };
  }

  /** Registers etcd's watch gauges. */
  void bind(WatchHub watches) {
    etcdNamed.gauge("etcd_debugging_mvcc_watch_stream_total", "Total number of watch streams.", watches::streamCount);
    etcdNamed.gauge("etcd_debugging_mvcc_watcher_total", "Total number of watchers.", watches::watcherCount);
    etcdNamed.gauge("etcd_debugging_mvcc_slow_watcher_total", "Total number of unsynced slow watchers.",
        watches::slowWatcherCount);
  }

  /** Registers the version metrics (etcd's and Strata's), read from {@code sources} at every scrape. */
  void bind(VersionMetrics.Sources sources) {
    versions = new VersionMetrics(registry, sources);
  }

  /** The interceptor that counts the client API's gRPC calls. */
  GrpcServerMetrics grpc() {
    return grpc;
  }

  String scrape() {
    VersionMetrics current = versions;
    if (current != null) {
      current.refresh();
    }
    StringBuilder text = new StringBuilder(registry.scrape());
    etcdNamed.writeTo(text);
    return text.toString();
  }

  /** A read-index request failed (see {@link LinearizableReads}); any thread. */
  void readIndexFailed() {
    readIndexesFailed.increment();
  }

  /**
   * A snapshot of the state database was taken and streamed to a client ({@code Maintenance.Snapshot}),
   * taking {@code nanos} from the checkpoint to the stream's end; any thread.
   */
  void backendSnapshotSent(long nanos) {
    backendSnapshots.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** A probe of the member {@code memberIdHex} came back after {@code nanos} (see {@link PeerProber}); any thread. */
  void peerRoundTrip(String memberIdHex, long nanos) {
    peerRoundTrips.computeIfAbsent(memberIdHex, to -> Timer.builder("etcd_network_peer_round_trip_time")
        .description("Round-Trip-Time histogram between peers").tags("To", to)
        .serviceLevelObjectives(ROUND_TRIP_BUCKETS).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
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

  @Override
  public void logAppended(int entries, long nanos) {
    walFsyncs.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void stateBatchCommitted(long nanos) {
    backendCommits.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void proposalStarted() {
    proposalsPending.incrementAndGet();
  }

  @Override
  public void proposalDone(boolean applied) {
    proposalsPending.decrementAndGet();
    if (!applied) {
      proposalsFailed.increment();
    }
  }

  /**
   * Counts the key operations of an applied entry as etcd's mvcc layer does: a put, a delete
   * range, and each range, put and delete of the txn branch taken (nested txns included); a txn
   * counts as one txn only when it ran more than one operation. Entries that failed count nothing.
   * An entry whose apply took over 100 ms counts as a slow apply, as in etcd.
   */
  @Override
  public void entryApplied(Entry entry, ApplyResult result, long nanos) {
    if (nanos > SLOW_APPLY_NANOS) {
      slowApplies.increment();
    }
    if (result.hasError()) {
      return;
    }
    switch (entry.getCommandCase()) {
      case PUT -> puts.increment();
      case DELETE_RANGE -> deletes.increment();
      case TXN -> {
        int[] counts = new int[3];
        countTxn(entry.getTxn(), result.getTxn(), counts);
        ranges.increment(counts[0]);
        puts.increment(counts[1]);
        deletes.increment(counts[2]);
        if (counts[0] + counts[1] + counts[2] > 1) {
          txns.increment();
        }
      }
      default -> { }
    }
  }

  /** Adds the ranges, puts and deletes (in that order in {@code counts}) of the branch {@code response} took. */
  static void countTxn(TxnRequest request, TxnResponse response, int[] counts) {
    List<RequestOp> ops = response.getSucceeded() ? request.getSuccessList() : request.getFailureList();
    for (int i = 0; i < ops.size(); i++) {
      RequestOp op = ops.get(i);
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> counts[0]++;
        case REQUEST_PUT -> counts[1]++;
        case REQUEST_DELETE_RANGE -> counts[2]++;
        case REQUEST_TXN -> {
          if (i < response.getResponsesCount()) {
            countTxn(op.getRequestTxn(), response.getResponses(i).getResponseTxn(), counts);
          }
        }
        default -> { }
      }
    }
  }

  @Override
  public void healthChecked(boolean healthy) {
    (healthy ? healthSuccesses : healthFailures).incrementAndGet();
  }

  @Override
  public void checkRan(String type, String name, boolean passed) {
    healthCheckResults.computeIfAbsent(type + "/" + name, key -> {
      AtomicInteger result = new AtomicInteger();
      Gauge.builder("etcd_server_healthcheck", result, AtomicInteger::get).tags("type", type, "name", name)
          .description("The result of each kind of healthcheck.").register(registry);
      return result;
    }).set(passed ? 1 : 0);
    Counter.builder("etcd_server_healthchecks").tags("type", type, "name", name, "status", passed ? "success" : "error")
        .description("The total number of each kind of healthcheck.").register(registry).increment();
  }

  @Override
  public void storageMigrated(Version from, Version to, long nanos) {
    Counter.builder("strata_storage_migrations").tags(Tags.of("from", from.toString(), "to", to.toString()))
        .description("Storage version migrations run by this member, by storage version before and after.")
        .register(registry).increment();
    migrationDurations.record(nanos, TimeUnit.NANOSECONDS);
  }
}
