package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The lease failover scenario on real etcd 3.4: proves the expectations are etcd's. */
@Tag("etcd-reference")
class EtcdLeaseFailoverTest extends LeaseFailoverScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
