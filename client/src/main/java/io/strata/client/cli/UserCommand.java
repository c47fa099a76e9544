package io.strata.client.cli;

import io.strata.api.etcdserverpb.AuthRoleGetRequest;
import io.strata.api.etcdserverpb.AuthRoleGetResponse;
import io.strata.api.etcdserverpb.AuthUserAddRequest;
import io.strata.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.strata.api.etcdserverpb.AuthUserDeleteRequest;
import io.strata.api.etcdserverpb.AuthUserGetRequest;
import io.strata.api.etcdserverpb.AuthUserGetResponse;
import io.strata.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.strata.api.etcdserverpb.AuthUserListResponse;
import io.strata.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.strata.api.authpb.UserAddOptions;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl user add|delete|get|list|passwd|grant-role|revoke-role}: etcdctl's user
 * commands. A password is given as {@code name:password}, with {@code --new-user-password}, typed
 * twice at the terminal, or (with {@code --interactive=false}) read as the first word of standard
 * input. simple prints etcdctl's sentences; json the response; table is not supported. Each runs
 * on the calling thread.
 */
@Command(
    name = "user",
    description = "User related commands",
    subcommands = {
      UserCommand.Add.class,
      UserCommand.Delete.class,
      UserCommand.Get.class,
      UserCommand.ListUsers.class,
      UserCommand.Passwd.class,
      UserCommand.GrantRole.class,
      UserCommand.RevokeRole.class
    })
final class UserCommand extends GroupCommand {

  @Command(name = "add", description = "Adds a new user")
  static final class Add extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<user name or user:password> [options]", description = "user")
    List<String> args = new ArrayList<>();

    @Option(names = "--interactive", arity = "0..1", fallbackValue = "true", defaultValue = "true",
        description = "Read password from stdin instead of interactive terminal")
    boolean interactive;

    @Option(names = "--new-user-password", defaultValue = "", description = "Supply password from the command line flag")
    String newUserPassword;

    @Option(names = "--no-password", arity = "0..1", fallbackValue = "true",
        description = "Create a user without password (CN based auth only)")
    boolean noPassword;

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("user add command requires user name as its argument");
      }
      String user;
      String password = "";
      if (noPassword) {
        user = args.get(0);
      } else if (!newUserPassword.isEmpty()) {
        user = args.get(0);
        password = newUserPassword;
      } else {
        int colon = args.get(0).indexOf(':');
        if (colon < 0) {
          user = args.get(0);
          password = interactive ? askTwice(this, user) : firstWord(root().stdin());
        } else {
          user = args.get(0).substring(0, colon);
          password = args.get(0).substring(colon + 1);
          if (user.isEmpty()) {
            throw CtlException.badArgs("empty user name is not allowed");
          }
        }
      }
      AuthUserAddRequest request =
          AuthUserAddRequest.newBuilder()
              .setName(user)
              .setPassword(password)
              .setOptions(UserAddOptions.newBuilder().setNoPassword(noPassword))
              .build();
      Message response = withConnection(c -> c.userAdd(request));
      return printSimpleOrJson(response, "User " + user + " created");
    }
  }

  @Command(name = "delete", description = "Deletes a user")
  static final class Delete extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<user name>", description = "user")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("user delete command requires user name as its argument");
      }
      Message response =
          withConnection(c -> c.userDelete(AuthUserDeleteRequest.newBuilder().setName(args.get(0)).build()));
      return printSimpleOrJson(response, "User " + args.get(0) + " deleted");
    }
  }

  @Command(name = "get", description = "Gets detailed information of a user")
  static final class Get extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<user name> [options]", description = "user")
    List<String> args = new ArrayList<>();

    @Option(names = "--detail", arity = "0..1", fallbackValue = "true", description = "Show permissions of roles granted to the user")
    boolean detail;

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("user get command requires user name as its argument");
      }
      String name = args.get(0);
      return withConnection(
          connection -> {
            AuthUserGetResponse response =
                connection.userGet(AuthUserGetRequest.newBuilder().setName(name).build());
            if (!detail) {
              return printSimpleOrJson(
                  response, "User: " + name + "\nRoles:" + rolesText(response.getRolesList()));
            }
            out().line("User: " + name);
            for (String role : response.getRolesList()) {
              out().line();
              AuthRoleGetResponse roleResponse =
                  connection.roleGet(AuthRoleGetRequest.newBuilder().setRole(role).build());
              printSimpleOrJson(roleResponse, RoleCommand.roleText(role, roleResponse));
            }
            return ExitCodes.SUCCESS;
          });
    }

    private static String rolesText(List<String> roles) {
      StringBuilder text = new StringBuilder();
      roles.forEach(role -> text.append(' ').append(role));
      return text.toString();
    }
  }

  @Command(name = "list", description = "Lists all users")
  static final class ListUsers extends CtlCommand {
    @Override
    int run() throws Exception {
      AuthUserListResponse response = withConnection(Connection::userList);
      return printSimpleOrJson(response, String.join("\n", response.getUsersList()));
    }
  }

  @Command(name = "passwd", description = "Changes password of user")
  static final class Passwd extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<user name> [options]", description = "user")
    List<String> args = new ArrayList<>();

    @Option(names = "--interactive", arity = "0..1", fallbackValue = "true", defaultValue = "true",
        description = "If true, read password from stdin instead of interactive terminal")
    boolean interactive;

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("user passwd command requires user name as its argument");
      }
      String password = interactive ? askTwice(this, args.get(0)) : firstWord(root().stdin());
      Message response =
          withConnection(
              c ->
                  c.userChangePassword(
                      AuthUserChangePasswordRequest.newBuilder()
                          .setName(args.get(0))
                          .setPassword(password)
                          .build()));
      return printSimpleOrJson(response, "Password updated");
    }
  }

  @Command(name = "grant-role", description = "Grants a role to a user")
  static final class GrantRole extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<user name> <role name>", description = "user and role")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 2) {
        throw CtlException.badArgs(
            "user grant command requires user name and role name as its argument");
      }
      Message response =
          withConnection(
              c ->
                  c.userGrantRole(
                      AuthUserGrantRoleRequest.newBuilder()
                          .setUser(args.get(0))
                          .setRole(args.get(1))
                          .build()));
      return printSimpleOrJson(response, "Role " + args.get(1) + " is granted to user " + args.get(0));
    }
  }

  @Command(name = "revoke-role", description = "Revokes a role from a user")
  static final class RevokeRole extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<user name> <role name>", description = "user and role")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 2) {
        throw CtlException.badArgs(
            "user revoke-role requires user name and role name as its argument");
      }
      Message response =
          withConnection(
              c ->
                  c.userRevokeRole(
                      AuthUserRevokeRoleRequest.newBuilder()
                          .setName(args.get(0))
                          .setRole(args.get(1))
                          .build()));
      return printSimpleOrJson(response, "Role " + args.get(1) + " is revoked from user " + args.get(0));
    }
  }

  /** Asks for the password twice at the terminal, as etcdctl does. */
  static String askTwice(CtlCommand command, String user) throws CtlException {
    StrataCtl.PasswordPrompt prompt = command.root().passwordPrompt();
    Optional<String> first = prompt.ask("Password of " + user + ": ");
    if (first.isEmpty()) {
      throw CtlException.badArgs(
          "no terminal to read the password of " + user + " from: give it as " + user
              + ":<password> or use --interactive=false and standard input");
    }
    Optional<String> again = prompt.ask("Type password of " + user + " again for confirmation: ");
    if (again.isEmpty() || !again.get().equals(first.get())) {
      throw CtlException.badArgs("given passwords are different");
    }
    return first.get();
  }

  /** The first whitespace-delimited word of {@code in} (Go's {@code fmt.Scanf("%s")}). */
  static String firstWord(InputStream in) throws CtlException {
    StringBuilder word = new StringBuilder();
    try {
      int b = in.read();
      while (b == ' ' || b == '\t' || b == '\r') {
        b = in.read();
      }
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      while (b >= 0 && !Character.isWhitespace(b)) {
        bytes.write(b);
        b = in.read();
      }
      word.append(bytes.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CtlException.badArgs("cannot read the password from stdin: " + e.getMessage());
    }
    return word.toString();
  }
}
