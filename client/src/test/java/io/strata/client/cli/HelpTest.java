package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code --help} reads like etcdctl's: NAME, USAGE, COMMANDS, OPTIONS, GLOBAL OPTIONS. */
class HelpTest {

  private static final String GLOBAL_OPTIONS =
      """
            --cacert=""                         verify certificates of TLS-enabled secure servers using this CA bundle
            --cert=""                           identify secure client using this TLS certificate file
            --command-timeout=5s                timeout for short running command (excluding dial timeout)
            --dial-timeout=2s                   dial timeout for client connections
            --endpoints=[127.0.0.1:2379]        gRPC endpoints
        -h, --help[=false]                      help for stratactl
            --hex[=false]                       print byte strings as hex encoded strings
            --insecure-skip-tls-verify[=false]  skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)
            --insecure-transport[=true]         disable transport security for client connections
            --key=""                            identify secure client using this TLS key file
            --password=""                       password for authentication (if this option is used, --user option shouldn't include password)
            --user=""                           username[:password] for authentication (prompt if password is not supplied)
        -w, --write-out="simple"                set the output format (json, simple, table)
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
            \talarm disarm            Disarms all alarms
            \talarm list              Lists all alarms
            \tauth disable            Disables authentication
            \tauth enable             Enables authentication
            \tcheck perf              Check the performance of the etcd cluster
            \tcompaction              Compacts the event history in etcd
            \tcompletion bash         Generate the autocompletion script for bash
            \tcompletion zsh          Generate the autocompletion script for zsh
            \tdefrag                  Defragments the storage of the etcd members with given endpoints
            \tdel                     Removes the specified key or range of keys [key, range_end)
            \tdowngrade cancel        Cancel the ongoing downgrade action to cluster
            \tdowngrade enable        Start a downgrade action to cluster
            \tdowngrade status        Show every member's versions and how far a downgrade has got
            \tdowngrade validate      Validate downgrade capability before starting downgrade
            \tendpoint hashkv         Prints the KV history hash for each endpoint in --endpoints
            \tendpoint health         Checks the healthiness of endpoints specified in `--endpoints` flag
            \tendpoint status         Prints out the status of endpoints specified in `--endpoints` flag
            \tget                     Gets the key or a range of keys
            \tlease grant             Creates leases
            \tlease keep-alive        Keeps leases alive (renew)
            \tlease list              List all active leases
            \tlease revoke            Revokes leases
            \tlease timetolive        Get lease information
            \tmember add              Adds a member into the cluster
            \tmember list             Lists all members in the cluster
            \tmember promote          Promotes a non-voting member in the cluster
            \tmember remove           Removes a member from the cluster
            \tmember update           Updates a member in the cluster
            \tmove-leader             Transfers leadership to another etcd cluster member.
            \tput                     Puts the given key into the store
            \trole add                Adds a new role
            \trole delete             Deletes a role
            \trole get                Gets detailed information of a role
            \trole grant-permission   Grants a key to a role
            \trole list               Lists all roles
            \trole revoke-permission  Revokes a key from a role
            \tsnapshot save           Stores an etcd node backend snapshot to a given file
            \ttxn                     Txn processes all the requests in one transaction
            \tuser add                Adds a new user
            \tuser delete             Deletes a user
            \tuser get                Gets detailed information of a user
            \tuser grant-role         Grants a role to a user
            \tuser list               Lists all users
            \tuser passwd             Changes password of user
            \tuser revoke-role        Revokes a role from a user
            \tversion                 Prints the version of stratactl
            \twatch                   Watches events stream on keys or prefixes

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
                + GLOBAL_OPTIONS.replace("  -h, --help[=false]                      help for stratactl\n", "")
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
