package io.strata.client.cli;

import io.strata.api.etcdserverpb.CompactionRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl compaction <revision>}: etcdctl's compaction through {@code KV.Compact};
 * prints {@code compacted revision N} in every format, as etcdctl does. Runs on the calling
 * thread.
 */
@Command(name = "compaction", description = "Compacts the event history in etcd")
final class CompactionCommand extends CtlCommand {

  @Parameters(arity = "0..*", paramLabel = "[options] <revision>", description = "revision")
  List<String> args = new ArrayList<>();

  @Option(
      names = "--physical",
      arity = "0..1",
      fallbackValue = "true",
      description = "'true' to wait for compaction to physically remove all old revisions")
  boolean physical;

  @Override
  int run() throws Exception {
    if (args.size() != 1) {
      throw CtlException.badArgs("compaction command needs 1 argument");
    }
    long revision;
    try {
      revision = GoFormat.parseInt(args.get(0), 10);
    } catch (NumberFormatException e) {
      throw new CtlException(e.getMessage());
    }
    CompactionRequest request =
        CompactionRequest.newBuilder().setRevision(revision).setPhysical(physical).build();
    withConnection(connection -> connection.compact(request));
    out().line("compacted revision " + revision);
    return ExitCodes.SUCCESS;
  }
}
