package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The watch-guarantees scenario on etcd 3.4: proves the checks hold for etcd itself. */
@Tag("etcd-reference")
class EtcdWatchGuaranteesTest extends WatchGuaranteesScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
