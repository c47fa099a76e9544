package io.strata.e2e.auth;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The auth scenarios on Strata processes: must behave as etcd 3.4 does. */
@Tag("strata")
class StrataAuthConformanceTest extends AuthConformanceScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
