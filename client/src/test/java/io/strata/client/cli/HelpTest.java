package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code --help} reads like etcdctl's: NAME, USAGE, COMMANDS, OPTIONS, GLOBAL OPTIONS. */
class HelpTest {

  private static final String GLOBAL_OPTIONS =
      """
            --command-timeout=5s          timeout for short running command (excluding dial timeout)
            --dial-timeout=2s             dial timeout for client connections
            --endpoints=[127.0.0.1:2379]  gRPC endpoints
        -h, --help[=false]                help for stratactl
            --password=""                 password for authentication (if this option is used, --user option shouldn't include password)
            --user=""                     username[:password] for authentication (prompt if password is not supplied)
        -w, --write-out="simple"          set the output format (json, simple, table)
      """;

  @Test
  void rootHelpListsEveryCommandAndTheGlobalFlags() {
    CtlRun run = CtlRun.of("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .isEqualTo(
            """
            NAME:
            \tstratactl - A command line client for Strata, speaking etcd's v3 API.

            USAGE:
            \tstratactl <command> [flags]

            COMMANDS:
            \tdowngrade cancel    Cancel the ongoing downgrade action to cluster
            \tdowngrade enable    Start a downgrade action to cluster
            \tdowngrade status    Show every member's versions and how far a downgrade has got
            \tdowngrade validate  Validate downgrade capability before starting downgrade

            OPTIONS:
            """
                + GLOBAL_OPTIONS
                + "\n");
  }

  @Test
  void noCommandPrintsTheHelpToo() {
    CtlRun run = CtlRun.of();

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo(CtlRun.of("--help").out());
  }

  @Test
  void subcommandHelpSeparatesItsOwnFlagsFromTheGlobalOnes() {
    CtlRun run = CtlRun.of("downgrade", "validate", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .isEqualTo(
            """
            NAME:
            \tdowngrade validate - Validate downgrade capability before starting downgrade

            USAGE:
            \tstratactl downgrade validate <TARGET_VERSION> [flags]

            OPTIONS:
              -h, --help[=false]  help for validate

            GLOBAL OPTIONS:
            """
                + GLOBAL_OPTIONS.replace("  -h, --help[=false]                help for stratactl\n", "")
                + "\n");
  }

  @Test
  void statusHelpDescribesTheClusterFlag() {
    CtlRun run = CtlRun.of("downgrade", "status", "-h");

    assertThat(run.out())
        .contains("USAGE:\n\tstratactl downgrade status [flags]\n")
        .contains("DESCRIPTION:\n\tAsks each member")
        .contains(
            "OPTIONS:\n"
                + "      --cluster[=true]  ask every member in the member list;"
                + " false: ask only --endpoints\n"
                + "  -h, --help[=false]    help for status\n");
  }
}
