package io.strata.client.cli;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.MemberAddRequest;
import io.strata.api.etcdserverpb.MemberAddResponse;
import io.strata.api.etcdserverpb.MemberListResponse;
import io.strata.api.etcdserverpb.MemberPromoteRequest;
import io.strata.api.etcdserverpb.MemberPromoteResponse;
import io.strata.api.etcdserverpb.MemberRemoveRequest;
import io.strata.api.etcdserverpb.MemberRemoveResponse;
import io.strata.api.etcdserverpb.MemberUpdateRequest;
import io.strata.api.etcdserverpb.MemberUpdateResponse;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl member add|remove|update|list|promote}: etcdctl's member commands through the
 * Cluster service. Member ids are hex ({@code %16x}, space-padded, in the add/remove/update
 * lines; unpadded in list). {@code member add} prints, in simple format, the environment a new
 * member starts with ({@code ETCD_NAME}, {@code ETCD_INITIAL_CLUSTER}, ...). Each runs on the
 * calling thread.
 */
@Command(
    name = "member",
    description = "Membership related commands",
    subcommands = {
      MemberCommand.Add.class,
      MemberCommand.Remove.class,
      MemberCommand.Update.class,
      MemberCommand.ListMembers.class,
      MemberCommand.Promote.class
    })
final class MemberCommand extends GroupCommand {

  @Command(name = "add", description = "Adds a member into the cluster")
  static final class Add extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<memberName> [options]", description = "name")
    List<String> args = new ArrayList<>();

    @Option(names = "--peer-urls", defaultValue = "", description = "comma separated peer URLs for the new member.")
    String peerUrls;

    @Option(names = "--learner", arity = "0..1", fallbackValue = "true", description = "indicates if the new member is raft learner")
    boolean learner;

    @Override
    int run() throws Exception {
      if (args.isEmpty()) {
        throw CtlException.badArgs("member name not provided");
      }
      if (args.size() > 1) {
        StringBuilder message = new StringBuilder("too many arguments");
        for (String arg : args) {
          if (arg.toLowerCase(Locale.ROOT).startsWith("http")) {
            message.append(", did you mean --peer-urls=").append(arg);
          }
        }
        throw CtlException.badArgs(message.toString());
      }
      String name = args.get(0);
      if (peerUrls.isEmpty()) {
        throw CtlException.badArgs("member peer urls not provided");
      }
      List<String> urls = peerUrls(peerUrls);
      return withConnection(
          connection -> {
            MemberAddResponse response =
                connection.memberAdd(
                    MemberAddRequest.newBuilder().addAllPeerURLs(urls).setIsLearner(learner).build());
            switch (format()) {
              case SIMPLE -> {
                out().line(
                    "Member " + GoFormat.paddedHex(response.getMember().getID())
                        + " added to cluster " + GoFormat.paddedHex(response.getHeader().getClusterId()));
                MemberListResponse members = connection.memberList();
                List<String> cluster = new ArrayList<>();
                for (Member member : members.getMembersList()) {
                  String shown = member.getID() == response.getMember().getID() ? name : member.getName();
                  member.getPeerURLsList().forEach(url -> cluster.add(shown + "=" + url));
                }
                out().line();
                out().line("ETCD_NAME=" + GoFormat.quote(name));
                out().line("ETCD_INITIAL_CLUSTER=" + GoFormat.quote(String.join(",", cluster)));
                out().line("ETCD_INITIAL_ADVERTISE_PEER_URLS=" + GoFormat.quote(String.join(",", urls)));
                out().line("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
              }
              case JSON -> out().line(Json.writeGo(GoJson.of(response)));
              case TABLE -> throw unsupportedFormat();
            }
            return ExitCodes.SUCCESS;
          });
    }
  }

  @Command(name = "remove", description = "Removes a member from the cluster")
  static final class Remove extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<memberID>", description = "hex id")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("member ID is not provided");
      }
      long id = memberId(args.get(0));
      MemberRemoveResponse response =
          withConnection(c -> c.memberRemove(MemberRemoveRequest.newBuilder().setID(id).build()));
      return printSimpleOrJson(response, "Member " + GoFormat.paddedHex(id) + " removed from cluster "
          + GoFormat.paddedHex(response.getHeader().getClusterId()));
    }
  }

  @Command(name = "update", description = "Updates a member in the cluster")
  static final class Update extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<memberID> [options]", description = "hex id")
    List<String> args = new ArrayList<>();

    @Option(names = "--peer-urls", defaultValue = "", description = "comma separated peer URLs for the updated member.")
    String peerUrls;

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("member ID is not provided");
      }
      long id = memberId(args.get(0));
      if (peerUrls.isEmpty()) {
        throw CtlException.badArgs("member peer urls not provided");
      }
      List<String> urls = peerUrls(peerUrls);
      MemberUpdateResponse response =
          withConnection(
              c -> c.memberUpdate(MemberUpdateRequest.newBuilder().setID(id).addAllPeerURLs(urls).build()));
      switch (format()) {
        case SIMPLE ->
            out().line(
                "Member " + GoFormat.paddedHex(id) + " updated in cluster "
                    + GoFormat.paddedHex(response.getHeader().getClusterId()));
        case JSON -> out().line(Json.writeGo(GoJson.of(response)));
        case TABLE -> throw unsupportedFormat();
      }
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "list", description = "Lists all members in the cluster")
  static final class ListMembers extends CtlCommand {
    @Override
    int run() throws Exception {
      MemberListResponse response = withConnection(Connection::memberList);
      switch (format()) {
        case SIMPLE -> out().print(table(response).commaSeparated());
        case JSON -> out().line(Json.writeGo(GoJson.of(response)));
        case TABLE -> out().print(table(response).bordered());
      }
      return ExitCodes.SUCCESS;
    }

    static Table table(MemberListResponse response) {
      Table table =
          new Table(List.of("ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"));
      for (Member member : response.getMembersList()) {
        table.addRow(
            List.of(
                GoFormat.hex(member.getID()),
                member.getName().isEmpty() ? "unstarted" : "started",
                member.getName(),
                String.join(",", member.getPeerURLsList()),
                String.join(",", member.getClientURLsList()),
                Boolean.toString(member.getIsLearner())));
      }
      return table;
    }
  }

  @Command(name = "promote", description = "Promotes a non-voting member in the cluster")
  static final class Promote extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<memberID>", description = "hex id")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("member ID is not provided");
      }
      long id = memberId(args.get(0));
      MemberPromoteResponse response =
          withConnection(c -> c.memberPromote(MemberPromoteRequest.newBuilder().setID(id).build()));
      return printSimpleOrJson(response, "Member " + GoFormat.paddedHex(id) + " promoted in cluster "
          + GoFormat.paddedHex(response.getHeader().getClusterId()));
    }
  }

  static long memberId(String text) throws CtlException {
    try {
      return GoFormat.parseUint(text, 16);
    } catch (NumberFormatException e) {
      throw CtlException.badArgs("bad member ID arg (" + e.getMessage() + "), expecting ID in Hex");
    }
  }

  /**
   * Comma-separated peer URLs, checked as etcd's client checks them before sending: scheme http,
   * https, unix or unixs, a host:port, no path.
   */
  static List<String> peerUrls(String text) throws CtlException {
    List<String> urls = Arrays.asList(text.split(","));
    for (String url : urls) {
      String trimmed = url.strip();
      checkGoUrlSyntax(trimmed);
      URI uri;
      try {
        uri = new URI(trimmed);
      } catch (URISyntaxException e) {
        throw new CtlException("parse " + GoFormat.quote(trimmed) + ": " + e.getReason());
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme();
      if (!List.of("http", "https", "unix", "unixs").contains(scheme)) {
        throw new CtlException("URL scheme must be http, https, unix, or unixs: " + trimmed);
      }
      if (uri.getRawAuthority() == null || uri.getPort() < 0) {
        throw new CtlException("URL address does not have the form \"host:port\": " + trimmed);
      }
      if (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
        throw new CtlException("URL must not contain a path: " + trimmed);
      }
    }
    return urls;
  }

  /**
   * The two syntax errors of Go's url.Parse that a mistyped peer URL meets: a leading colon
   * ("missing protocol scheme") and {@code host:port} without a scheme, which Go reads as a path
   * ("first path segment in URL cannot contain colon").
   */
  private static void checkGoUrlSyntax(String url) throws CtlException {
    int colon = url.indexOf(':');
    if (colon == 0) {
      throw new CtlException("parse " + GoFormat.quote(url) + ": missing protocol scheme");
    }
    boolean hasScheme = colon > 0 && Character.isLetter(url.charAt(0));
    for (int i = 1; hasScheme && i < colon; i++) {
      char c = url.charAt(i);
      hasScheme = Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.';
    }
    if (!hasScheme) {
      int slash = url.indexOf('/');
      String firstSegment = slash < 0 ? url : url.substring(0, slash);
      if (firstSegment.contains(":")) {
        throw new CtlException(
            "parse " + GoFormat.quote(url) + ": first path segment in URL cannot contain colon");
      }
    }
  }
}
