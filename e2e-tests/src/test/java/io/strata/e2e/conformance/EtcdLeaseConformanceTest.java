package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The lease conformance scenarios on real etcd 3.4: proves the expected outputs are etcd's. */
@Tag("etcd-reference")
class EtcdLeaseConformanceTest extends LeaseConformanceScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
