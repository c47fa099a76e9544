package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.Member;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code stratactl downgrade status} over loopback gRPC to three {@link FakeMember}s. */
class DowngradeStatusCommandTest {

  private static final long LEADER = 0xa1L;

  private final List<FakeMember> members = new ArrayList<>();
  private FakeMember a;
  private FakeMember b;
  private FakeMember c;

  @BeforeEach
  void start() throws IOException {
    a = new FakeMember(0xa1L);
    b = new FakeMember(0xb2L);
    c = new FakeMember(0xc3L);
    members.addAll(List.of(a, b, c));
    List<Member> list = members.stream().map(FakeMember::asMember).toList();
    members.forEach(m -> m.members = list);
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (FakeMember member : members) {
      member.close();
    }
  }

  @Test
  void enabledWithSomeStorageAboveTheTargetSaysToWait() {
    a.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    b.reports("1.2.0", "1.2.0", true, "1.1.0", "enabled", LEADER);
    c.reports("1.2.0", "1.2.0", true, "1.1.0", "enabled", LEADER);

    CtlRun run = CtlRun.of("downgrade", "status", "--endpoints", b.endpoint());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .isEqualTo(
            table(
                "ENDPOINT         ID  SERVER VERSION  STORAGE VERSION",
                row(a, "a1  1.2.0           1.1.0"),
                row(b, "b2  1.2.0           1.2.0"),
                row(c, "c3  1.2.0           1.2.0"),
                "Downgrade to 1.1 enabled: storage lowered on 1 of 3 members;"
                    + " wait before replacing binaries"));
    assertThat(b.memberListCalls).hasValue(1);
    members.forEach(m -> assertThat(m.statusCalls).hasValue(1));
  }

  @Test
  void enabledWithAllStorageLoweredSaysToReplaceBinaries() {
    a.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    b.reports("1.1.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    c.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);

    CtlRun run = CtlRun.of("downgrade", "status", "--endpoints", a.endpoint());

    assertThat(lastLine(run.out()))
        .isEqualTo(
            "Downgrade to 1.1 enabled: storage lowered on all members;"
                + " replace binaries with 1.1 one member at a time");
  }

  @Test
  void completeSaysEveryMemberRunsTheTarget() {
    for (FakeMember member : members) {
      member.reports("1.1.0", "1.1.0", false, "", "complete", LEADER);
    }

    CtlRun run = CtlRun.of("downgrade", "status", "--endpoints", a.endpoint());

    assertThat(run.exitCode()).isZero();
    assertThat(lastLine(run.out())).isEqualTo("Downgrade to 1.1 complete: every member runs 1.1");
  }

  @Test
  void noneSaysNoDowngradeIsInProgress() {
    for (FakeMember member : members) {
      member.reports("1.2.0", "1.2.0", false, "", "none", LEADER);
    }

    CtlRun run = CtlRun.of("downgrade", "status", "--endpoints", a.endpoint());

    assertThat(lastLine(run.out())).isEqualTo("No downgrade in progress; every member runs 1.2");
  }

  @Test
  void theLeadersDowngradeInfoWinsOverAFollowerThatLagsBehind() {
    a.reports("1.2.0", "1.2.0", false, "", "cancelled", LEADER);
    b.reports("1.2.0", "1.2.0", true, "1.1.0", "enabled", LEADER);
    c.reports("1.2.0", "1.2.0", false, "", "cancelled", LEADER);

    CtlRun run = CtlRun.of("downgrade", "status", "--endpoints", b.endpoint());

    assertThat(lastLine(run.out()))
        .isEqualTo("No downgrade in progress (the last one was cancelled); every member runs 1.2");
  }

  @Test
  void tableDrawsBordersAndAlignsCellsRightAsEtcdctl() {
    a.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    b.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    c.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    int spare = a.endpoint().length() - "ENDPOINT".length();
    String line = "+-" + "-".repeat(a.endpoint().length()) + "-+----+----------------+-----------------+\n";

    CtlRun run = CtlRun.of("downgrade", "status", "-w", "table", "--endpoints", a.endpoint());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .isEqualTo(
            line
                + "| " + " ".repeat(spare / 2) + "ENDPOINT" + " ".repeat(spare - spare / 2)
                + " | ID | SERVER VERSION | STORAGE VERSION |\n"
                + line
                + "| " + a.endpoint() + " | a1 |          1.2.0 |           1.1.0 |\n"
                + "| " + b.endpoint() + " | b2 |          1.2.0 |           1.1.0 |\n"
                + "| " + c.endpoint() + " | c3 |          1.2.0 |           1.1.0 |\n"
                + line
                + "Downgrade to 1.1 enabled: storage lowered on all members;"
                + " replace binaries with 1.1 one member at a time\n");
  }

  @Test
  void jsonPrintsEveryMemberAndTheVerdict() {
    a.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    b.reports("1.2.0", "1.2.0", true, "1.1.0", "enabled", LEADER);
    c.reports("1.2.0", "1.2.0", true, "1.1.0", "enabled", LEADER);

    CtlRun run = CtlRun.of("downgrade", "status", "-w", "json", "--endpoints", a.endpoint());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .isEqualTo(
            "{\"members\":["
                + memberJson(a, true, "1.1.0") + ","
                + memberJson(b, false, "1.2.0") + ","
                + memberJson(c, false, "1.2.0")
                + "],\"downgrade\":{\"state\":\"enabled\",\"target_version\":\"1.1\",\"members\":3,"
                + "\"storage_lowered\":1,\"not_answered\":0},"
                + "\"verdict\":\"Downgrade to 1.1 enabled: storage lowered on 1 of 3 members;"
                + " wait before replacing binaries\"}\n");
  }

  @Test
  void aMemberThatDoesNotAnswerIsReportedAndTheCommandExitsOne() throws InterruptedException {
    a.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    b.reports("1.2.0", "1.1.0", true, "1.1.0", "enabled", LEADER);
    c.close();

    CtlRun run = CtlRun.of("downgrade", "status", "--endpoints", a.endpoint());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "Error: failed to get the status of endpoint " + c.endpoint()
                + " (connection failed)\n");
    assertThat(run.out())
        .isEqualTo(
            table(
                "ENDPOINT         ID  SERVER VERSION  STORAGE VERSION",
                row(a, "a1  1.2.0           1.1.0"),
                row(b, "b2  1.2.0           1.1.0"),
                "Downgrade to 1.1 enabled: storage lowered on 2 of 3 members (1 did not answer);"
                    + " wait before replacing binaries"));
  }

  @Test
  void aMemberWithoutClientUrlsCountsAsNotAnswering() {
    List<Member> list = new ArrayList<>(members.stream().map(FakeMember::asMember).toList());
    list.add(Member.newBuilder().setID(0xd4L).build());
    members.forEach(m -> m.members = list);
    for (FakeMember member : members) {
      member.reports("1.2.0", "1.2.0", false, "", "none", LEADER);
    }

    CtlRun run = CtlRun.of("downgrade", "status", "--endpoints", a.endpoint());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "Error: failed to get the status of endpoint (no client URL)"
                + " (member d4 has no client URL (not started?))\n");
    assertThat(lastLine(run.out()))
        .isEqualTo("No downgrade in progress; members run 1.2 (1 of 4 did not answer)");
  }

  @Test
  void clusterFalseAsksOnlyTheGivenEndpoints() {
    a.reports("1.2.0", "1.2.0", false, "", "none", LEADER);
    b.reports("1.1.0", "1.1.0", false, "", "none", LEADER);

    CtlRun run =
        CtlRun.of("downgrade", "status", "--cluster=false",
            "--endpoints", a.endpoint() + "," + b.endpoint());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .isEqualTo(
            table(
                "ENDPOINT         ID  SERVER VERSION  STORAGE VERSION",
                row(a, "a1  1.2.0           1.2.0"),
                row(b, "b2  1.1.0           1.1.0"),
                "No downgrade in progress; members run 1.1, 1.2"));
    assertThat(c.statusCalls).hasValue(0);
    members.forEach(m -> assertThat(m.memberListCalls).hasValue(0));
  }

  @Test
  void noMemberAnsweringIsAnError() throws InterruptedException {
    a.close();

    CtlRun run = CtlRun.of("downgrade", "status", "--cluster=false", "--endpoints", a.endpoint());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .isEqualTo(
            "Error: failed to get the status of endpoint " + a.endpoint() + " (connection failed)\n"
                + "Error: no member answered\n");
  }

  /**
   * The simple table: header, rows, verdict. The ENDPOINT column is as wide as member a's endpoint
   * ("127.0.0.1:" and an ephemeral port, the same length for every fake member) plus two spaces.
   */
  private String table(String header, String... lines) {
    StringBuilder text = new StringBuilder();
    String endpointColumn = "ENDPOINT" + " ".repeat(a.endpoint().length() + 2 - "ENDPOINT".length());
    text.append(header.replace("ENDPOINT         ", endpointColumn)).append('\n');
    for (String line : lines) {
      text.append(line).append('\n');
    }
    return text.toString();
  }

  private static String row(FakeMember member, String rest) {
    return member.endpoint() + "  " + rest;
  }

  private static String lastLine(String text) {
    List<String> lines = text.lines().toList();
    return lines.get(lines.size() - 1);
  }

  private static String memberJson(FakeMember member, boolean leader, String storage) {
    return "{\"endpoint\":\"" + member.endpoint() + "\",\"member_id\":\""
        + Long.toHexString(member.id) + "\",\"is_leader\":" + leader
        + ",\"server_version\":\"1.2.0\",\"storage_version\":\"" + storage + "\","
        + "\"downgrade_info\":{\"enabled\":true,\"target_version\":\"1.1.0\"},"
        + "\"downgrade_state\":\"enabled\"}";
  }
}
