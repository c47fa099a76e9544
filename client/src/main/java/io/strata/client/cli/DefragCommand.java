package io.strata.client.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stratactl defrag}: etcdctl's defrag, {@code Maintenance.Defragment} on each of {@code
 * --endpoints} (with {@code --cluster}: each client URL in the member list), one after the other.
 * Prints {@code Finished defragmenting etcd member[E]} per member, or {@code Failed to defragment
 * etcd member[E] (why)} on stderr and exits 1 at the end. While a member defragments and stderr is
 * a terminal, shows the time elapsed there ({@link Progress}). Runs on the calling thread.
 */
@Command(name = "defrag", description = "Defragments the storage of the etcd members with given endpoints")
final class DefragCommand extends CtlCommand {

  @Option(names = "--cluster", arity = "0..1", fallbackValue = "true", description = "use all endpoints from the cluster member list")
  boolean cluster;

  @Override
  int run() throws Exception {
    List<EndpointCommand.Target> targets =
        cluster ? EndpointCommand.clusterTargets(this) : EndpointCommand.givenTargets(this);
    int failures = 0;
    try (Connections connections = new Connections(settings())) {
      for (EndpointCommand.Target target : targets) {
        try (Progress progress =
            Progress.elapsed(root().progressSink(spec), "Defragmenting " + target.shownAs())) {
          connections.connect(target.url()).defragment();
          progress.done();
          out().line("Finished defragmenting etcd member[" + target.shownAs() + "]");
          out().flush();
        } catch (CtlException e) {
          failures++;
          err().println("Failed to defragment etcd member[" + target.shownAs() + "] (" + e.getMessage() + ")");
          err().flush();
        }
      }
    }
    if (failures > 0) {
      throw CtlException.silent(ExitCodes.ERROR);
    }
    return ExitCodes.SUCCESS;
  }
}
