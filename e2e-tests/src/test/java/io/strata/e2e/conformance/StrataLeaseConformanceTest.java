package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The lease conformance scenarios on Strata processes: must behave exactly as etcd 3.4 did. */
@Tag("strata")
class StrataLeaseConformanceTest extends LeaseConformanceScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
