package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** Watches on a member that loses its leader, on etcd 3.4: proves what etcdctl shows. */
@Tag("etcd-reference")
class EtcdWatchLeaderLossTest extends WatchLeaderLossScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
