package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** Watches on a Strata member that loses its leader: must end as etcd's do. */
@Tag("strata")
class StrataWatchLeaderLossTest extends WatchLeaderLossScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
