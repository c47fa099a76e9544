package io.strata.client.cli;

import io.strata.api.etcdserverpb.StatusResponse;
import java.util.Objects;
import java.util.Optional;

/**
 * What one member said to {@code Maintenance.Status}, or why it said nothing. Immutable.
 *
 * @param endpoint where it was asked (its first client URL, or the --endpoints entry)
 * @param memberId its id (from the answer's header, else from MemberList; 0 if unknown)
 * @param serverVersion the version of the binary it runs, "X.Y.Z"
 * @param storageVersion the version of its data, "X.Y.Z"; empty if it does not report one
 * @param leader whether it is the leader, by its own account
 * @param downgradeEnabled its applied downgrade info: enabled
 * @param downgradeTarget its applied downgrade info: the target, "X.Y.Z"; empty if none
 * @param downgradeState Strata's downgrade state ("none", "enabled", "cancelled", "complete");
 *     empty from a server that does not send it (etcd)
 * @param error why there is no answer; empty if there is one
 */
record MemberReport(
    String endpoint,
    long memberId,
    String serverVersion,
    String storageVersion,
    boolean leader,
    boolean downgradeEnabled,
    String downgradeTarget,
    String downgradeState,
    Optional<String> error) {

  MemberReport {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(serverVersion, "serverVersion");
    Objects.requireNonNull(storageVersion, "storageVersion");
    Objects.requireNonNull(downgradeTarget, "downgradeTarget");
    Objects.requireNonNull(downgradeState, "downgradeState");
    Objects.requireNonNull(error, "error");
  }

  static MemberReport answered(String endpoint, long memberIdIfUnknown, StatusResponse status) {
    long memberId =
        status.getHeader().getMemberId() != 0 ? status.getHeader().getMemberId() : memberIdIfUnknown;
    return new MemberReport(
        endpoint,
        memberId,
        status.getVersion(),
        status.getStorageVersion(),
        memberId != 0 && status.getLeader() == memberId,
        status.getDowngradeInfo().getEnabled(),
        status.getDowngradeInfo().getTargetVersion(),
        status.getDowngradeState(),
        Optional.empty());
  }

  static MemberReport failed(String endpoint, long memberId, String error) {
    return new MemberReport(endpoint, memberId, "", "", false, false, "", "", Optional.of(error));
  }

  boolean answered() {
    return error.isEmpty();
  }

  /** The member id as etcdctl prints it: lowercase hex, no padding. */
  String memberIdHex() {
    return Long.toHexString(memberId);
  }
}
