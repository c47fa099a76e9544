package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DowngradeVerdictTest {

  /**
   * Members as "server/storage" pairs separated by spaces; "-" is a member that did not answer.
   * The first member is the leader and carries the downgrade info (enabled, target, state).
   */
  @ParameterizedTest(name = "{0}: {4}")
  @CsvSource(
      delimiter = '|',
      value = {
        "enabled, one of three lowered | 1.2.0/1.1.0 1.2.0/1.2.0 1.2.0/1.2.0 | true | 1.1.0 | "
            + "Downgrade to 1.1 enabled: storage lowered on 1 of 3 members; wait before replacing binaries",
        "enabled, all lowered | 1.2.0/1.1.0 1.1.0/1.1.0 1.2.0/1.1.0 | true | 1.1.0 | "
            + "Downgrade to 1.1 enabled: storage lowered on all members; replace binaries with 1.1 one member at a time",
        "enabled, one silent | 1.2.0/1.1.0 1.2.0/1.1.0 - | true | 1.1.0 | "
            + "Downgrade to 1.1 enabled: storage lowered on 2 of 3 members (1 did not answer); wait before replacing binaries",
        "enabled, storage not reported | 1.2.0/1.1.0 1.2.0/ 1.2.0/1.1.0 | true | 1.1.0 | "
            + "Downgrade to 1.1 enabled: storage lowered on 2 of 3 members; wait before replacing binaries",
        "enabled, no state field (etcd) | 3.6.0/3.5.0 3.6.0/3.6.0 | true | 3.5.0 | "
            + "Downgrade to 3.5 enabled: storage lowered on 1 of 2 members; wait before replacing binaries",
        "none | 1.2.0/1.2.0 1.2.0/1.2.0 1.2.0/1.2.0 | false | none | "
            + "No downgrade in progress; every member runs 1.2",
        "none, no state field (etcd) | 3.6.0/3.6.0 | false | | "
            + "No downgrade in progress; every member runs 3.6",
        "cancelled, mixed binaries | 1.2.0/1.1.0 1.1.0/1.1.0 | false | cancelled | "
            + "No downgrade in progress (the last one was cancelled); members run 1.1, 1.2",
        "none, one silent | 1.2.0/1.2.0 - | false | none | "
            + "No downgrade in progress; members run 1.2 (1 of 2 did not answer)",
        "complete | 1.1.0/1.1.0 1.1.0/1.1.0 1.1.0/1.1.0 | false | complete | "
            + "Downgrade to 1.1 complete: every member runs 1.1",
      })
  void verdict(String name, String members, boolean enabled, String stateOrTarget, String text) {
    String target = enabled ? stateOrTarget : "";
    String state =
        enabled ? (name.contains("(etcd)") ? "" : "enabled") : stateOrTarget == null ? "" : stateOrTarget;

    DowngradeVerdict verdict = DowngradeVerdict.of(reports(members, enabled, target, state));

    assertThat(verdict.text()).isEqualTo(text);
  }

  @Test
  void enabledCountsLoweredMembersAgainstTheTarget() {
    DowngradeVerdict verdict =
        DowngradeVerdict.of(reports("1.2.0/1.1.0 1.2.0/1.2.0 -", true, "1.1.0", "enabled"));

    assertThat(verdict.state()).isEqualTo("enabled");
    assertThat(verdict.target()).contains(new MinorVersion(1, 1));
    assertThat(verdict.members()).isEqualTo(3);
    assertThat(verdict.storageLowered()).isEqualTo(1);
    assertThat(verdict.notAnswered()).isEqualTo(1);
  }

  @Test
  void theLeaderIsBelievedOverTheFirstMember() {
    List<MemberReport> reports = new ArrayList<>();
    reports.add(answered(1, 2, "1.2.0", "1.2.0", true, "1.1.0", "enabled"));
    reports.add(answered(2, 2, "1.2.0", "1.2.0", false, "", "none"));

    assertThat(DowngradeVerdict.of(reports).state()).isEqualTo("none");
  }

  @Test
  void withoutALeaderTheFirstAnsweringMemberIsBelieved() {
    List<MemberReport> reports = new ArrayList<>();
    reports.add(MemberReport.failed("e0", 9, "connection failed"));
    reports.add(answered(1, 0, "1.2.0", "1.2.0", true, "1.1.0", "enabled"));
    reports.add(answered(2, 0, "1.2.0", "1.2.0", false, "", "none"));

    assertThat(DowngradeVerdict.of(reports).state()).isEqualTo("enabled");
  }

  @Test
  void noAnswerAtAllHasNoVerdict() {
    assertThatThrownBy(() -> DowngradeVerdict.of(List.of(MemberReport.failed("e", 1, "down"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static List<MemberReport> reports(
      String members, boolean enabled, String target, String state) {
    List<MemberReport> reports = new ArrayList<>();
    String[] pairs = members.trim().split(" ");
    for (int i = 0; i < pairs.length; i++) {
      if (pairs[i].equals("-")) {
        reports.add(MemberReport.failed("e" + i, i + 1, "connection failed"));
      } else {
        String[] versions = pairs[i].split("/", -1);
        reports.add(answered(i + 1, 1, versions[0], versions[1], enabled, target, state));
      }
    }
    return reports;
  }

  private static MemberReport answered(
      long id, long leader, String server, String storage, boolean enabled, String target,
      String state) {
    return new MemberReport(
        "e" + id, id, server, storage, id == leader, enabled, target, state, Optional.empty());
  }
}
