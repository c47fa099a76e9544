package io.strata.server;

import io.strata.api.version.Version;
import java.util.List;
import java.util.Optional;

/**
 * Decides the cluster version, as a pure function of what the leader knows (etcd's monitor
 * rules): the cluster version is the lowest version any member runs, it is decided only when
 * every member has answered, and it only rises (lowering it is the downgrade's job, with its own
 * rules).
 */
final class ClusterVersionPolicy {
  private ClusterVersionPolicy() {}

  /**
   * @param current        the cluster version now (empty before the first decision)
   * @param memberVersions each member's version; empty for a member that did not answer
   * @return the version to propose, or empty to leave it as it is
   */
  static Optional<Version> decide(Optional<Version> current, List<Optional<Version>> memberVersions) {
    if (memberVersions.isEmpty() || memberVersions.stream().anyMatch(Optional::isEmpty)) {
      return Optional.empty();
    }
    Version lowest = memberVersions.stream().map(Optional::get).min(Version::compareTo).orElseThrow();
    if (current.isEmpty() || lowest.isNewerThan(current.get())) {
      return Optional.of(lowest);
    }
    return Optional.empty();
  }
}
