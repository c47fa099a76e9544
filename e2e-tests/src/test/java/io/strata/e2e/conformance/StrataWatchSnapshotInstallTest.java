package io.strata.e2e.conformance;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** Watchers across a snapshot install on Strata: the hub must catch them up from the store. */
@Tag("strata")
class StrataWatchSnapshotInstallTest extends WatchSnapshotInstallScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }

  @Override
  protected boolean mustInstallSnapshot() {
    return true;
  }

  /** With --snapshot-count 20 the leader's log soon starts after what the frozen member has. */
  @Override
  protected int writesWhileFrozen() {
    return 2500;
  }
}
