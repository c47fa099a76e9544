package io.strata.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.strata.api.records.DowngradeRecord;
import io.strata.api.version.Version;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.StorageVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The version metrics, read from the member's applied state at every scrape, so they change as
 * soon as the versions do:
 * <ul>
 *   <li>etcd's: {@code etcd_server_version{server_version="1.2.0"} 1} and
 *       {@code etcd_cluster_version{cluster_version="1.2"} 1} (etcd labels the server version
 *       with a patch number and the cluster version without);</li>
 *   <li>Strata's, one info gauge per version, each a single series at 1 whose {@code version}
 *       label ("X.Y") is the value: {@code strata_server_version}, {@code strata_storage_version},
 *       {@code strata_cluster_version} (no series while the store records no storage version, or
 *       before the first cluster version was decided);</li>
 *   <li>the downgrade: {@code strata_downgrade_enabled} (1 or 0),
 *       {@code strata_downgrade_target_version{version}} (1 while a downgrade target is recorded:
 *       enabled, cancelled or complete), and {@code strata_downgrade_state{state}}, one series per
 *       state (none, enabled, cancelled, complete) with 1 for the current one.</li>
 * </ul>
 *
 * <p>Threading: {@link #refresh} may run on any thread (scrapes); it only reads.
 */
final class VersionMetrics {
  static final List<String> DOWNGRADE_STATES = List.of("none", "enabled", "cancelled", "complete");

  /** Where the versions come from (live views of the member's state). */
  record Sources(Version server, Supplier<Optional<Version>> storage, Supplier<Optional<Version>> cluster,
      Supplier<DowngradeRecord> downgrade, Supplier<String> downgradeState) {}

  private final Sources sources;
  private final MultiGauge etcdCluster;
  private final MultiGauge storage;
  private final MultiGauge cluster;
  private final MultiGauge downgradeTarget;
  private final MultiGauge downgradeState;

  VersionMetrics(MeterRegistry registry, Sources sources) {
    this.sources = sources;
    Gauge.builder("etcd_server_version", () -> 1).tags("server_version", sources.server().wire())
        .description("Which version is running. 1 for 'server_version' label with current version.")
        .register(registry);
    Gauge.builder("strata_server_version", () -> 1).tags("version", sources.server().toString())
        .description("The version this member runs as (X.Y). 1 for the 'version' label with the current version.")
        .register(registry);
    etcdCluster = MultiGauge.builder("etcd_cluster_version")
        .description("Which version is running. 1 for 'cluster_version' label with current cluster version")
        .register(registry);
    storage = MultiGauge.builder("strata_storage_version")
        .description("The storage version of this member's data (X.Y). 1 for the 'version' label with the current version.")
        .register(registry);
    cluster = MultiGauge.builder("strata_cluster_version")
        .description("The cluster version this member applied (X.Y). 1 for the 'version' label with the current version.")
        .register(registry);
    Gauge.builder("strata_downgrade_enabled", sources, s -> s.downgrade().get().getEnabled() ? 1 : 0)
        .description("Whether a cluster downgrade is enabled. 1 if it is, 0 otherwise.").register(registry);
    downgradeTarget = MultiGauge.builder("strata_downgrade_target_version")
        .description("The target version (X.Y) of the last downgrade enabled, while one is recorded.")
        .register(registry);
    downgradeState = MultiGauge.builder("strata_downgrade_state")
        .description("The downgrade state: 1 for the current state (none, enabled, cancelled, complete), 0 for the others.")
        .register(registry);
    refresh();
  }

  /** Reads the versions now and replaces the series of every labelled gauge. */
  void refresh() {
    Optional<Version> clusterVersion = sources.cluster().get();
    etcdCluster.register(rows("cluster_version", clusterVersion), true);
    cluster.register(rows("version", clusterVersion), true);
    storage.register(rows("version", sources.storage().get()), true);
    String target = sources.downgrade().get().getTargetVersion();
    downgradeTarget.register(rows("version", target.isEmpty() ? Optional.empty() : Optional.of(Version.parse(target))), true);
    String state = sources.downgradeState().get();
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    for (String name : DOWNGRADE_STATES) {
      states.add(MultiGauge.Row.of(Tags.of("state", name), name.equals(state) ? 1 : 0));
    }
    downgradeState.register(states, true);
  }

  private static List<MultiGauge.Row<?>> rows(String label, Optional<Version> version) {
    return version.<List<MultiGauge.Row<?>>>map(v -> List.of(MultiGauge.Row.of(Tags.of(label, v.toString()), 1)))
        .orElse(List.of());
  }

  /** The storage version recorded in {@code backend}'s committed state. */
  static Optional<Version> storageVersionOf(Backend backend) {
    try (ReadView view = backend.readView()) {
      return StorageVersion.of(view);
    }
  }
}
