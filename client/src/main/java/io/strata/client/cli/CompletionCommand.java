package io.strata.client.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code stratactl completion bash|zsh}: prints a shell completion script for every command and
 * flag (picocli's generator; the zsh script loads bash's completion system first). Stateless.
 *
 * <pre>
 * source &lt;(stratactl completion bash)
 * </pre>
 */
@Command(
    name = "completion",
    description = "Generate the autocompletion script for the specified shell",
    subcommands = {CompletionCommand.Bash.class, CompletionCommand.Zsh.class})
final class CompletionCommand extends GroupCommand {

  @Command(name = "bash", description = "Generate the autocompletion script for bash")
  static final class Bash extends CtlCommand {
    @Override
    int run() {
      out().print(script(spec));
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "zsh", description = "Generate the autocompletion script for zsh")
  static final class Zsh extends CtlCommand {
    @Override
    int run() {
      out().line("autoload -U +X compinit && compinit");
      out().line("autoload -U +X bashcompinit && bashcompinit");
      out().print(script(spec));
      return ExitCodes.SUCCESS;
    }
  }

  private static String script(CommandLine.Model.CommandSpec spec) {
    CommandLine root = spec.root().commandLine();
    return AutoComplete.bash("stratactl", root);
  }
}
