package io.strata.e2e.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The scenarios on real etcd 3.4: the metric names and /health answers are etcd's. */
@Tag("etcd-reference")
class EtcdHealthAndMetricsTest extends HealthAndMetricsScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }

  /** etcd 3.4 answers {"health":"false"} without a reason (3.5 added it). */
  @Override
  protected void assertUnhealthyBecauseQuorumIsLost(Scrape health) {
    assertThat(health.body()).isEqualTo("{\"health\":\"false\"}\n");
  }
}
