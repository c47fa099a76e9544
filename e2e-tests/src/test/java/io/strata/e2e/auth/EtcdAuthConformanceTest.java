package io.strata.e2e.auth;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The auth scenarios on real etcd 3.4: proves the expectations are etcd's. */
@Tag("etcd-reference")
class EtcdAuthConformanceTest extends AuthConformanceScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
