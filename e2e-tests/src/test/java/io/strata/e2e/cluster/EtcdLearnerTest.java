package io.strata.e2e.cluster;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The learner scenarios on real etcd 3.4: proves the expectations are etcd's. */
@Tag("etcd-reference")
class EtcdLearnerTest extends LearnerScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
