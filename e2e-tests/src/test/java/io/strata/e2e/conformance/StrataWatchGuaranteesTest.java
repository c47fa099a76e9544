package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** etcd's watch guarantees on a 3-member Strata cluster under concurrent writes and a compaction. */
@Tag("strata")
class StrataWatchGuaranteesTest extends WatchGuaranteesScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
