package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.server.watch.WatchHub;
import io.strata.server.watch.WatchSettings;
import io.strata.storage.Backend;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerMetricsTest {
  @TempDir Path dir;

  /** The Prometheus client would expose a gauge named x_total as x; dashboards look for etcd's name. */
  @Test
  void etcds_watch_gauges_are_exposed_under_etcds_names_ending_in_total() {
    try (Backend backend = Backend.open(dir.resolve("db"));
        WatchHub hub = new WatchHub(backend, revision -> ResponseHeader.getDefaultInstance(),
            WatchSettings.defaults(1 << 20))) {
      ServerMetrics metrics = new ServerMetrics();
      metrics.bind(hub);
      assertThat(metrics.scrape().lines()).contains(
          "# TYPE etcd_debugging_mvcc_watch_stream_total gauge",
          "etcd_debugging_mvcc_watch_stream_total 0.0",
          "etcd_debugging_mvcc_watcher_total 0.0",
          "etcd_debugging_mvcc_slow_watcher_total 0.0");
    }
  }
}
