package io.strata.e2e.robustness;

import io.strata.e2e.harness.NetworkFaults;
import io.strata.e2e.harness.ProcessCluster;

/**
 * One fault a robustness scenario injects in the middle of its traffic, and how it is undone.
 * {@link #inject} returns what it did (for the verdict line); {@link #heal} must leave every member
 * running and connected, so the run can check convergence afterwards.
 */
interface Fault {

  /** What a fault acts on: the cluster, and its peer network when the scenario asked for it. */
  record Target(ProcessCluster cluster, NetworkFaults network) {
    NetworkFaults requireNetwork() {
      if (network == null) {
        throw new IllegalStateException("the scenario did not ask for network faults");
      }
      return network;
    }
  }

  String inject(Target target) throws Exception;

  void heal(Target target) throws Exception;

  /** Whether the scenario's cluster must run its members under group ids for iptables. */
  default boolean needsNetwork() {
    return false;
  }

  /**
   * Whether a connected majority stays up during the fault; liveness is then required from the
   * fault's start, otherwise from its healing.
   */
  default boolean keepsMajority() {
    return true;
  }

  /** Whether the scenario's cluster must route peer traffic through a proxy per member. */
  default boolean needsPeerProxies() {
    return false;
  }
}
