package io.strata.client.cli;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How far a cluster's downgrade has got, judged from every member's {@link MemberReport}: a pure
 * function of the reports. Immutable.
 *
 * <p>The downgrade info and state come from the leader's answer (the member that decides them),
 * or from the first member that answered if the leader did not. The verdict is one of:
 *
 * <ol>
 *   <li>enabled, some storage above the target (or a member did not answer): {@code Downgrade to
 *       1.1 enabled: storage lowered on 1 of 3 members; wait before replacing binaries}
 *   <li>enabled, every member's storage at or below the target: {@code Downgrade to 1.1 enabled:
 *       storage lowered on all members; replace binaries with 1.1 one member at a time}
 *   <li>state "complete": {@code Downgrade to 1.1 complete: every member runs 1.1}
 *   <li>otherwise: {@code No downgrade in progress; every member runs 1.2}, or {@code ...; members
 *       run 1.1, 1.2} when they differ, with {@code (the last one was cancelled)} after "progress"
 *       when the state says so.
 * </ol>
 *
 * <p>Status carries no cluster version, so the verdict names the versions the members run, not the
 * cluster version (right after a cancel, the two can differ for a few seconds).
 *
 * @param state "none", "enabled", "cancelled" or "complete" ("enabled"/"none" derived from the
 *     downgrade info when the server sends no state, as etcd does not)
 * @param target the downgrade's target, when one is enabled or complete
 * @param members how many members were asked
 * @param storageLowered how many answered with a storage version at or below the target (0 when
 *     there is no target)
 * @param notAnswered how many did not answer
 * @param text the one line printed under the table
 */
record DowngradeVerdict(
    String state,
    Optional<MinorVersion> target,
    int members,
    int storageLowered,
    int notAnswered,
    String text) {

  static final String NONE = "none";
  static final String ENABLED = "enabled";
  static final String CANCELLED = "cancelled";
  static final String COMPLETE = "complete";

  /**
   * The verdict on {@code reports}.
   *
   * @throws IllegalArgumentException if no member answered
   */
  static DowngradeVerdict of(List<MemberReport> reports) {
    List<MemberReport> answered = reports.stream().filter(MemberReport::answered).toList();
    if (answered.isEmpty()) {
      throw new IllegalArgumentException("no member answered");
    }
    MemberReport source =
        answered.stream().filter(MemberReport::leader).findFirst().orElse(answered.get(0));
    int members = reports.size();
    int notAnswered = members - answered.size();
    String state = state(source);
    Optional<MinorVersion> target = MinorVersion.parse(source.downgradeTarget());

    if (state.equals(ENABLED)) {
      String targetText = target.map(MinorVersion::toString).orElse(source.downgradeTarget());
      int lowered =
          target.isEmpty()
              ? 0
              : (int)
                  answered.stream()
                      .filter(r -> isAtOrBelow(r.storageVersion(), target.get()))
                      .count();
      String text =
          lowered == members
              ? "Downgrade to " + targetText + " enabled: storage lowered on all members;"
                  + " replace binaries with " + targetText + " one member at a time"
              : "Downgrade to " + targetText + " enabled: storage lowered on " + lowered + " of "
                  + members + " members" + didNotAnswer(notAnswered, members, false)
                  + "; wait before replacing binaries";
      return new DowngradeVerdict(state, target, members, lowered, notAnswered, text);
    }

    List<MinorVersion> running = serverVersions(answered);
    if (state.equals(COMPLETE)) {
      Optional<MinorVersion> reached =
          target.isPresent() ? target : running.size() == 1 ? Optional.of(running.get(0)) : target;
      if (reached.isPresent()) {
        String text =
            "Downgrade to " + reached.get() + " complete: every member runs " + reached.get();
        return new DowngradeVerdict(state, reached, members, 0, notAnswered, text);
      }
    }
    String text =
        "No downgrade in progress"
            + (state.equals(CANCELLED) ? " (the last one was cancelled)" : "")
            + (running.size() == 1 && notAnswered == 0
                ? "; every member runs " + running.get(0)
                : "; members run "
                    + running.stream().map(MinorVersion::toString).collect(Collectors.joining(", "))
                    + didNotAnswer(notAnswered, members, true));
    return new DowngradeVerdict(state, Optional.empty(), members, 0, notAnswered, text);
  }

  private static String state(MemberReport source) {
    if (source.downgradeEnabled()) {
      return ENABLED;
    }
    return source.downgradeState().isEmpty() ? NONE : source.downgradeState();
  }

  private static boolean isAtOrBelow(String version, MinorVersion target) {
    return MinorVersion.parse(version).map(v -> v.compareTo(target) <= 0).orElse(false);
  }

  /** The distinct server versions of the members that answered, lowest first. */
  private static List<MinorVersion> serverVersions(List<MemberReport> answered) {
    return answered.stream()
        .map(r -> MinorVersion.parse(r.serverVersion()))
        .flatMap(Optional::stream)
        .distinct()
        .sorted(Comparator.naturalOrder())
        .toList();
  }

  private static String didNotAnswer(int notAnswered, int members, boolean ofMembers) {
    if (notAnswered == 0) {
      return "";
    }
    return " (" + notAnswered + (ofMembers ? " of " + members : "") + " did not answer)";
  }
}
