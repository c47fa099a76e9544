package io.strata.client.cli;

import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl txn}: etcdctl's txn. Reads the transaction from standard input ({@link
 * TxnInput}); with {@code -i} prints etcdctl's prompts before each part. Prints {@code
 * SUCCESS}/{@code FAILURE} and each response after a blank line ({@link Printer#txn}). Runs on the
 * calling thread.
 */
@Command(
    name = "txn",
    description = {
      "Txn processes all the requests in one transaction",
      "Txn reads multiple etcd requests from standard input and applies them as a single atomic"
          + " transaction.",
      "A transaction consists of list of conditions, list of requests to apply if all the"
          + " conditions are true, and list of requests to apply if any condition is false."
    })
final class TxnCommand extends CtlCommand {

  @Parameters(arity = "0..*", paramLabel = "[options]", description = "none")
  List<String> args = new ArrayList<>();

  @Option(
      names = {"-i", "--interactive"},
      arity = "0..1",
      fallbackValue = "true",
      description = "Input transaction in interactive mode")
  boolean interactive;

  @Override
  int run() throws Exception {
    if (!args.isEmpty()) {
      throw CtlException.badArgs("txn command does not accept argument");
    }
    TxnInput input = new TxnInput(root().stdin());
    TxnRequest.Builder request = TxnRequest.newBuilder();
    prompt("compares:");
    request.addAllCompare(input.compares());
    prompt("success requests (get, put, del):");
    request.addAllSuccess(input.requests());
    prompt("failure requests (get, put, del):");
    request.addAllFailure(input.requests());
    TxnResponse response = withConnection(connection -> connection.txn(request.build()));
    new Printer(out(), format(), root().hex()).txn(response);
    return ExitCodes.SUCCESS;
  }

  private void prompt(String text) {
    if (interactive) {
      out().line(text);
      out().flush();
    }
  }
}
