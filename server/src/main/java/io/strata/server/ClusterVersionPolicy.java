package io.strata.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.records.DowngradeRecord;
import io.strata.api.version.Version;
import java.util.List;
import java.util.Optional;

/**
 * The cluster version rules, as pure functions of what the leader knows (etcd's monitor and
 * downgrade rules):
 * <ul>
 *   <li>the cluster version is the lowest version any member runs, decided only when every
 *       member has answered, and it only rises;</li>
 *   <li>while a downgrade is enabled it goes to the downgrade target instead, which is exactly one
 *       minor version below it;</li>
 *   <li>the leader ends an enabled downgrade by itself once every member runs the target.</li>
 * </ul>
 */
final class ClusterVersionPolicy {
  static final StatusRuntimeException WRONG_TARGET_FORMAT =
      EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: wrong downgrade target version format");
  static final StatusRuntimeException CLUSTER_VERSION_UNKNOWN =
      EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: cluster version not found during downgrade");
  static final StatusRuntimeException INVALID_TARGET =
      EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid downgrade target version");
  static final StatusRuntimeException DOWNGRADE_IN_PROGRESS =
      EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: cluster has a downgrade job in progress");
  static final StatusRuntimeException NO_INFLIGHT_DOWNGRADE =
      EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: no inflight downgrade job");

  private ClusterVersionPolicy() {}

  /**
   * @param current        the cluster version now (empty before the first decision)
   * @param memberVersions each member's version; empty for a member that did not answer
   * @param downgrade      the downgrade state as applied
   * @return the version to propose, or empty to leave it as it is
   */
  static Optional<Version> decide(Optional<Version> current, List<Optional<Version>> memberVersions,
      DowngradeRecord downgrade) {
    if (memberVersions.isEmpty() || memberVersions.stream().anyMatch(Optional::isEmpty)) {
      return Optional.empty();
    }
    Version lowest = memberVersions.stream().map(Optional::get).min(Version::compareTo).orElseThrow();
    if (current.isEmpty()) {
      return Optional.of(lowest);
    }
    if (downgrade.getEnabled()) {
      Version target = Version.parse(downgrade.getTargetVersion());
      return !target.equals(current.get()) && isOneMinorBelow(target, current.get())
          ? Optional.of(target) : Optional.empty();
    }
    return lowest.isNewerThan(current.get()) ? Optional.of(lowest) : Optional.empty();
  }

  /** Whether the leader should end the enabled downgrade: every member answered and runs the target. */
  static boolean downgradeFinished(List<Optional<Version>> memberVersions, DowngradeRecord downgrade) {
    if (!downgrade.getEnabled() || memberVersions.stream().anyMatch(Optional::isEmpty)) {
      return false;
    }
    Version target = Version.parse(downgrade.getTargetVersion());
    return memberVersions.stream().allMatch(v -> v.get().equals(target));
  }

  /**
   * Checks a downgrade to {@code target} against the cluster version and the downgrade state
   * (etcd's VALIDATE, in etcd's order); returns the target, or throws etcd's error.
   */
  static Version validateDowngrade(String target, Optional<Version> clusterVersion, DowngradeRecord downgrade) {
    Version wanted = parseTarget(target);
    Version cluster = clusterVersion.orElseThrow(() -> CLUSTER_VERSION_UNKNOWN);
    if (!isOneMinorBelow(wanted, cluster)) {
      throw INVALID_TARGET;
    }
    if (downgrade.getEnabled()) {
      throw DOWNGRADE_IN_PROGRESS;
    }
    return wanted;
  }

  /** A downgrade target as etcd takes it: "X.Y" or "X.Y.Z" (the patch is dropped). */
  static Version parseTarget(String target) {
    String[] parts = target.split("\\.", -1);
    if (parts.length != 2 && parts.length != 3) {
      throw WRONG_TARGET_FORMAT;
    }
    for (String part : parts) {
      if (part.isEmpty() || !part.chars().allMatch(Character::isDigit) || part.length() > 9) {
        throw WRONG_TARGET_FORMAT;
      }
    }
    return new Version(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
  }

  private static boolean isOneMinorBelow(Version lower, Version higher) {
    return lower.major() == higher.major() && lower.minor() == higher.minor() - 1;
  }
}
