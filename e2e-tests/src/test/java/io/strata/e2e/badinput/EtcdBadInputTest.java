package io.strata.e2e.badinput;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The bad-input scenarios on real etcd 3.4: proves the expected answers are etcd's. */
@Tag("etcd-reference")
class EtcdBadInputTest extends BadInputScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
