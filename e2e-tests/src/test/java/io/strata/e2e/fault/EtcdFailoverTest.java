package io.strata.e2e.fault;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The failover scenarios on real etcd 3.4. */
@Tag("etcd-reference")
class EtcdFailoverTest extends FailoverScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }

  /**
   * etcd keeps 5000 entries after each snapshot (SnapshotCatchUpEntries), so the member must be
   * more than 5000 + snapshot-count entries behind before only a snapshot can bring it back.
   */
  @Override
  protected int writesWhileDown() {
    return 5200;
  }
}
