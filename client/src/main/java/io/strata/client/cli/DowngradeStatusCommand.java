package io.strata.client.cli;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.client.Endpoint;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stratactl downgrade status}: asks every member for {@code Maintenance.Status} and says how
 * far a downgrade has got (etcd has no such command: etcd issue 19439).
 *
 * <p>Members: with {@code --cluster} (the default) those {@code Cluster.MemberList} returns, each
 * asked at its first client URL, as {@code etcdctl endpoint status --cluster} does; with {@code
 * --cluster=false} the {@code --endpoints} themselves. Members are asked one after the other.
 *
 * <p>Output, {@code -w simple}: the members that answered in columns, then the verdict line of
 * {@link DowngradeVerdict}:
 *
 * <pre>
 * ENDPOINT         ID  SERVER VERSION  STORAGE VERSION
 * 127.0.0.1:2379   a1  1.2.0           1.1.0
 * 127.0.0.1:22379  b2  1.2.0           1.2.0
 * Downgrade to 1.1 enabled: storage lowered on 1 of 2 members; wait before replacing binaries
 * </pre>
 *
 * <p>{@code -w table} draws the same table with borders; {@code -w json} prints one object: {@code
 * {"members":[{"endpoint","member_id","is_leader","server_version","storage_version",
 * "downgrade_info":{"enabled","target_version"},"downgrade_state"} or {"endpoint","member_id",
 * "error"}, ...],"downgrade":{"state","target_version","members","storage_lowered",
 * "not_answered"},"verdict"}}. A member that does not answer is left out of the table and reported
 * as {@code Error: failed to get the status of endpoint <endpoint> (<why>)} on stderr; the command
 * then exits 1 after printing what the others said.
 *
 * <p>Threading: runs on the calling thread and blocks on one call at a time.
 */
@Command(
    name = "status",
    description = {
      "Show every member's versions and how far a downgrade has got",
      "Asks each member (from the member list, or only --endpoints with --cluster=false) for its",
      "status, prints the versions it runs and stores, and says whether the storage of every",
      "member has been lowered to the target, so that binaries can be replaced, or whether the",
      "downgrade is complete."
    })
final class DowngradeStatusCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--cluster",
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      description = "ask every member in the member list; false: ask only --endpoints")
  boolean cluster;

  /** A member to ask: where, and its id if the member list gave it. */
  private record Target(Optional<Endpoint.Url> url, String shownAs, long memberId) {}

  @Override
  public Integer call() throws CtlException, InterruptedException {
    ClientSettings settings = StrataCtl.of(spec).settings();
    List<MemberReport> reports = new ArrayList<>();
    try (Connections connections = new Connections(settings)) {
      for (Target target : targets(connections, settings)) {
        reports.add(ask(connections, settings, target));
      }
    }
    PrintWriter err = spec.commandLine().getErr();
    for (MemberReport report : reports) {
      report.error().ifPresent(
          why ->
              err.println(
                  "Error: failed to get the status of endpoint " + report.endpoint()
                      + " (" + why + ")"));
    }
    err.flush();
    if (reports.stream().noneMatch(MemberReport::answered)) {
      throw new CtlException("no member answered");
    }
    DowngradeVerdict verdict = DowngradeVerdict.of(reports);
    PrintWriter out = spec.commandLine().getOut();
    switch (settings.output()) {
      case JSON -> out.println(Json.write(json(reports, verdict)));
      case TABLE -> out.print(table(reports).bordered() + verdict.text() + "\n");
      case SIMPLE -> out.print(table(reports).aligned() + verdict.text() + "\n");
    }
    out.flush();
    return reports.stream().allMatch(MemberReport::answered) ? ExitCodes.SUCCESS : ExitCodes.ERROR;
  }

  private List<Target> targets(Connections connections, ClientSettings settings)
      throws CtlException, InterruptedException {
    List<Target> targets = new ArrayList<>();
    if (!cluster) {
      settings.endpoints().forEach(e -> targets.add(new Target(Optional.of(e), e.endpoint().toString(), 0)));
      return targets;
    }
    Connection connection = connections.connectAny(settings.endpoints());
    List<Member> members = connection.memberList().getMembersList();
    for (Member member : members) {
      targets.add(target(member));
    }
    return targets;
  }

  private static Target target(Member member) {
    if (member.getClientURLsCount() == 0) {
      String shownAs = member.getName().isEmpty() ? "(no client URL)" : member.getName();
      return new Target(Optional.empty(), shownAs, member.getID());
    }
    String url = member.getClientURLs(0);
    try {
      Endpoint.Url parsed = Endpoint.parseUrl(url);
      return new Target(Optional.of(parsed), parsed.endpoint().toString(), member.getID());
    } catch (IllegalArgumentException e) {
      return new Target(Optional.empty(), url, member.getID());
    }
  }

  private static MemberReport ask(Connections connections, ClientSettings settings, Target target)
      throws InterruptedException {
    if (target.url().isEmpty()) {
      String why =
          target.shownAs().contains(":")
              ? "unusable client URL"
              : "member " + Long.toHexString(target.memberId()) + " has no client URL (not started?)";
      return MemberReport.failed(target.shownAs(), target.memberId(), why);
    }
    try {
      Connection connection = connections.connect(target.url().get());
      StatusResponse status = connection.status();
      return MemberReport.answered(target.shownAs(), target.memberId(), status);
    } catch (CtlException e) {
      return MemberReport.failed(target.shownAs(), target.memberId(), e.getMessage());
    }
  }

  private static Table table(List<MemberReport> reports) {
    Table table = new Table(List.of("ENDPOINT", "ID", "SERVER VERSION", "STORAGE VERSION"));
    for (MemberReport report : reports) {
      if (report.answered()) {
        table.addRow(
            List.of(
                report.endpoint(),
                report.memberIdHex(),
                report.serverVersion(),
                report.storageVersion()));
      }
    }
    return table;
  }

  private static Map<String, Object> json(List<MemberReport> reports, DowngradeVerdict verdict) {
    List<Object> members = new ArrayList<>();
    for (MemberReport report : reports) {
      Map<String, Object> member = Json.object();
      member.put("endpoint", report.endpoint());
      if (report.memberId() != 0) {
        member.put("member_id", report.memberIdHex());
      }
      if (report.error().isPresent()) {
        member.put("error", report.error().get());
      } else {
        member.put("is_leader", report.leader());
        member.put("server_version", report.serverVersion());
        member.put("storage_version", report.storageVersion());
        Map<String, Object> info = Json.object();
        info.put("enabled", report.downgradeEnabled());
        info.put("target_version", report.downgradeTarget());
        member.put("downgrade_info", info);
        member.put("downgrade_state", report.downgradeState());
      }
      members.add(member);
    }
    Map<String, Object> downgrade = Json.object();
    downgrade.put("state", verdict.state());
    verdict.target().ifPresent(target -> downgrade.put("target_version", target.toString()));
    downgrade.put("members", verdict.members());
    if (verdict.state().equals(DowngradeVerdict.ENABLED)) {
      downgrade.put("storage_lowered", verdict.storageLowered());
    }
    downgrade.put("not_answered", verdict.notAnswered());
    Map<String, Object> json = Json.object();
    json.put("members", members);
    json.put("downgrade", downgrade);
    json.put("verdict", verdict.text());
    return json;
  }
}
