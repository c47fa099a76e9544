package io.strata.e2e.fault;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The failover scenarios on Strata processes. */
@Tag("strata")
class StrataFailoverTest extends FailoverScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }

  /** More than 100 writes with --snapshot-count 20: several snapshots while the member is down. */
  @Override
  protected int writesWhileDown() {
    return 150;
  }
}
