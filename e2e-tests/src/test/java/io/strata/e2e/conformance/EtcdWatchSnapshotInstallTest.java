package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** Watchers across a snapshot install on etcd 3.4: proves the scenario and its checks. */
@Tag("etcd-reference")
class EtcdWatchSnapshotInstallTest extends WatchSnapshotInstallScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }

  @Override
  protected boolean mustInstallSnapshot() {
    return false;
  }

  /** etcd keeps 5000 entries after a snapshot for slow followers. */
  @Override
  protected int writesWhileFrozen() {
    return 5200;
  }
}
