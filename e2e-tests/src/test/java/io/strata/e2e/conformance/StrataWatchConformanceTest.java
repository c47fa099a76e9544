package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The watch scenarios on Strata processes: must behave exactly as etcd 3.4 did. */
@Tag("strata")
class StrataWatchConformanceTest extends WatchConformanceScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
