package io.strata.e2e.cluster;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The cluster and maintenance scenarios on Strata processes: must behave as etcd 3.4 does. */
@Tag("strata")
class StrataClusterMaintenanceTest extends ClusterMaintenanceScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }
}
