package io.strata.client.cli;

import io.strata.api.etcdserverpb.DowngradeRequest;
import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.api.etcdserverpb.DowngradeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stratactl downgrade}: etcdctl 3.6's {@code downgrade validate|enable|cancel}, which call
 * {@code Maintenance.Downgrade} on one member of {@code --endpoints} (the server forwards to the
 * leader; a validate, a read, moves on to the next endpoint if its member fails), plus Strata's
 * {@code downgrade status}.
 *
 * <p>Output ({@code -w simple}, and {@code -w table}, which has no table here, as in etcdctl):
 *
 * <pre>
 * Downgrade validate success, cluster version 1.2
 * step 1.2 -> 1.1: removed column family lease_keys (3 records)     (validate: the plan, if sent)
 * Downgrade enable success, cluster version 1.2
 * Downgrade cancel success, cluster version 1.1
 * </pre>
 *
 * <p>{@code -w json} prints the DowngradeResponse as etcdctl does, {@code
 * {"header":{"cluster_id":..,"member_id":..,"revision":..,"raft_term":..},"version":"1.2"}}
 * (zero fields left out, as Go's omitempty does), with Strata's {@code "plan":[..]} added for
 * validate when the server sent one. A refusal prints {@code Error: <etcd's message>} on stderr
 * and exits 1; a missing or extra TARGET_VERSION exits 128, as in etcdctl.
 *
 * <p>Threading: each command runs on the calling thread and blocks on its one call.
 */
@Command(
    name = "downgrade",
    description = "Downgrade related commands",
    subcommands = {
      DowngradeCommand.Validate.class,
      DowngradeCommand.Enable.class,
      DowngradeCommand.Cancel.class,
      DowngradeStatusCommand.class
    })
final class DowngradeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** Without a subcommand, print the help, as etcdctl does. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ExitCodes.SUCCESS;
  }

  @Command(
      name = "validate",
      description = "Validate downgrade capability before starting downgrade")
  static final class Validate extends TargetedAction {
    Validate() {
      super(DowngradeAction.VALIDATE, "validate");
    }
  }

  @Command(name = "enable", description = "Start a downgrade action to cluster")
  static final class Enable extends TargetedAction {
    Enable() {
      super(DowngradeAction.ENABLE, "enable");
    }
  }

  @Command(name = "cancel", description = "Cancel the ongoing downgrade action to cluster")
  static final class Cancel extends Action {
    Cancel() {
      super(DowngradeAction.CANCEL, "cancel");
    }

    @Override
    String targetVersion() {
      return "";
    }
  }

  /** validate and enable: one TARGET_VERSION argument, checked as etcdctl checks it. */
  abstract static class TargetedAction extends Action {

    @Parameters(
        arity = "0..*",
        paramLabel = "<TARGET_VERSION>",
        description = "the version to downgrade to, one minor below the cluster version")
    List<String> args = new ArrayList<>();

    TargetedAction(DowngradeAction action, String verb) {
      super(action, verb);
    }

    @Override
    String targetVersion() throws CtlException {
      if (args.isEmpty()) {
        throw CtlException.badArgs("TARGET_VERSION not provided");
      }
      if (args.size() > 1) {
        throw CtlException.badArgs("too many arguments");
      }
      if (args.get(0).isEmpty()) {
        throw CtlException.badArgs("target version not provided");
      }
      return args.get(0);
    }
  }

  /** One Maintenance.Downgrade call and its printout. */
  abstract static class Action implements Callable<Integer> {

    @Spec CommandSpec spec;

    private final DowngradeAction action;
    private final String verb;

    Action(DowngradeAction action, String verb) {
      this.action = action;
      this.verb = verb;
    }

    abstract String targetVersion() throws CtlException;

    @Override
    public Integer call() throws CtlException, InterruptedException {
      String target = targetVersion();
      ClientSettings settings = StrataCtl.of(spec).settings();
      Connection.DowngradeAnswer answer;
      try (Connections connections = new Connections(settings)) {
        answer =
            connections
                .connectAny(settings.endpoints())
                .downgrade(DowngradeRequest.newBuilder().setAction(action).setVersion(target).build());
      }
      DowngradeResponse response = answer.response();
      List<String> plan = answer.plan();
      PrintWriter out = spec.commandLine().getOut();
      if (settings.output() == OutputFormat.JSON) {
        out.println(Json.write(json(response, plan)));
      } else {
        out.println("Downgrade " + verb + " success, cluster version " + response.getVersion());
        plan.forEach(out::println);
      }
      out.flush();
      return ExitCodes.SUCCESS;
    }
  }

  private static Map<String, Object> json(DowngradeResponse response, List<String> plan) {
    Map<String, Object> json = Json.object();
    if (response.hasHeader()) {
      json.put("header", header(response.getHeader()));
    }
    if (!response.getVersion().isEmpty()) {
      json.put("version", response.getVersion());
    }
    if (!plan.isEmpty()) {
      json.put("plan", plan);
    }
    return json;
  }

  /** etcd's ResponseHeader as Go's encoding/json prints it (snake_case, omitempty). */
  static Map<String, Object> header(ResponseHeader header) {
    Map<String, Object> json = Json.object();
    if (header.getClusterId() != 0) {
      json.put("cluster_id", new Json.Unsigned(header.getClusterId()));
    }
    if (header.getMemberId() != 0) {
      json.put("member_id", new Json.Unsigned(header.getMemberId()));
    }
    if (header.getRevision() != 0) {
      json.put("revision", header.getRevision());
    }
    if (header.getRaftTerm() != 0) {
      json.put("raft_term", new Json.Unsigned(header.getRaftTerm()));
    }
    return json;
  }
}
