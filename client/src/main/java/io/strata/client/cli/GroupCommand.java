package io.strata.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that only groups subcommands ({@code lease}, {@code member}, ...): run alone it prints
 * its help, as etcdctl does. Stateless beyond picocli's spec.
 */
abstract class GroupCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ExitCodes.SUCCESS;
  }
}
