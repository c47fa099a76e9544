package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The lease failover scenario on Strata processes. */
@Tag("strata")
class StrataLeaseFailoverTest extends LeaseFailoverScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
