package io.strata.client.cli;

import io.strata.api.etcdserverpb.AuthRoleAddRequest;
import io.strata.api.etcdserverpb.AuthUserGrantRoleRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl auth enable|disable}: etcdctl's auth commands. enable creates the root role and
 * grants it to the root user first if the server says the role is missing, as etcdctl does. Both
 * print their sentence in every format. Run on the calling thread.
 */
@Command(
    name = "auth",
    description = "Enable or disable authentication",
    subcommands = {AuthCommand.Enable.class, AuthCommand.Disable.class})
final class AuthCommand extends GroupCommand {

  /** etcd's message when auth enable finds no root role. */
  static final String ROOT_ROLE_MISSING = "etcdserver: root user does not have root role";

  @Command(name = "enable", description = "Enables authentication")
  static final class Enable extends CtlCommand {
    @Parameters(arity = "0..*", hidden = true)
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (!args.isEmpty()) {
        throw CtlException.badArgs("auth enable command does not accept any arguments");
      }
      withConnection(
          connection -> {
            try {
              return connection.authEnable();
            } catch (RpcException e) {
              if (!e.getMessage().equals(ROOT_ROLE_MISSING)) {
                throw e;
              }
            }
            connection.roleAdd(AuthRoleAddRequest.newBuilder().setName("root").build());
            connection.userGrantRole(
                AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
            return connection.authEnable();
          });
      out().line("Authentication Enabled");
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "disable", description = "Disables authentication")
  static final class Disable extends CtlCommand {
    @Parameters(arity = "0..*", hidden = true)
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (!args.isEmpty()) {
        throw CtlException.badArgs("auth disable command does not accept any arguments");
      }
      withConnection(Connection::authDisable);
      out().line("Authentication Disabled");
      return ExitCodes.SUCCESS;
    }
  }
}
