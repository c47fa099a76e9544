package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The watch scenarios on real etcd 3.4: proves the expected outputs are etcd's. */
@Tag("etcd-reference")
class EtcdWatchConformanceTest extends WatchConformanceScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
