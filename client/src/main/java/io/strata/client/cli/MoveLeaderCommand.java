package io.strata.client.cli;

import io.strata.api.etcdserverpb.MoveLeaderRequest;
import io.strata.api.etcdserverpb.MoveLeaderResponse;
import io.strata.api.etcdserverpb.StatusResponse;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl move-leader <transferee-member-id>}: etcdctl's move-leader. Asks each of
 * {@code --endpoints} for its status until it finds the leader, then asks the leader to hand
 * leadership to the transferee; prints {@code Leadership transferred from L to T}. Fails with
 * {@code no leader endpoint given at [..]} (exit 128) if no endpoint given is the leader. Runs on
 * the calling thread.
 */
@Command(name = "move-leader", description = "Transfers leadership to another etcd cluster member.")
final class MoveLeaderCommand extends CtlCommand {

  @Parameters(arity = "0..*", paramLabel = "<transferee-member-id>", description = "hex id")
  List<String> args = new ArrayList<>();

  @Override
  int run() throws Exception {
    if (args.size() != 1) {
      throw CtlException.badArgs("move-leader command needs 1 argument");
    }
    long target;
    try {
      target = GoFormat.parseUint(args.get(0), 16);
    } catch (NumberFormatException e) {
      throw CtlException.badArgs(e.getMessage());
    }
    try (Connections connections = new Connections(settings())) {
      for (EndpointCommand.Target endpoint : EndpointCommand.givenTargets(this)) {
        Connection connection = connections.connect(endpoint.url());
        StatusResponse status = connection.status();
        if (status.hasHeader() && status.getHeader().getMemberId() == status.getLeader()) {
          MoveLeaderResponse response =
              connection.moveLeader(MoveLeaderRequest.newBuilder().setTargetID(target).build());
          switch (format()) {
            case SIMPLE ->
                out().line(
                    "Leadership transferred from " + GoFormat.hex(status.getLeader()) + " to "
                        + GoFormat.hex(target));
            case JSON -> out().line(Json.writeGo(GoJson.of(response)));
            case TABLE -> throw unsupportedFormat();
          }
          return ExitCodes.SUCCESS;
        }
      }
    }
    throw CtlException.badArgs(
        "no leader endpoint given at " + GoFormat.list(root().endpointTexts()));
  }
}
