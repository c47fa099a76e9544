package io.strata.e2e.badinput;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The bad-input scenarios on a Strata process: must answer as etcd 3.4 did and stay healthy. */
@Tag("strata")
class StrataBadInputTest extends BadInputScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
