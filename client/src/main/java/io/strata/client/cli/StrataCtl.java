package io.strata.client.cli;

import io.grpc.StatusRuntimeException;
import io.strata.client.DurationConverter;
import io.strata.client.Endpoint;
import java.io.Console;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code stratactl}: the command line client of Strata, modelled on etcdctl. It speaks only etcd's
 * public v3 gRPC API (plus the fields Strata adds to it), so most commands also work against etcd.
 *
 * <p>The global flags are etcdctl's and may be given before or after the command; they are read
 * through {@link #settings()}. Commands are picocli subcommands that throw {@link CtlException}
 * for anything the user should see as {@code Error: <message>} on stderr; see {@link ExitCodes}.
 *
 * <p>Threading: one invocation runs on the calling thread; an instance serves one invocation.
 */
@Command(
    name = "stratactl",
    description = "A command line client for Strata, speaking etcd's v3 API.",
    subcommands = {DowngradeCommand.class})
public final class StrataCtl implements Callable<Integer> {

  /** Asks the user for a password; empty if there is nobody to ask. */
  interface PasswordPrompt {
    Optional<String> ask(String prompt);
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--endpoints",
      split = ",",
      defaultValue = "127.0.0.1:2379",
      converter = Endpoint.Converter.class,
      scope = ScopeType.INHERIT,
      paramLabel = "host:port",
      description = "gRPC endpoints")
  List<Endpoint> endpoints;

  @Option(
      names = "--dial-timeout",
      defaultValue = "2s",
      converter = DurationConverter.class,
      scope = ScopeType.INHERIT,
      description = "dial timeout for client connections")
  Duration dialTimeout;

  @Option(
      names = "--command-timeout",
      defaultValue = "5s",
      converter = DurationConverter.class,
      scope = ScopeType.INHERIT,
      description = "timeout for short running command (excluding dial timeout)")
  Duration commandTimeout;

  @Option(
      names = {"-w", "--write-out"},
      defaultValue = "simple",
      converter = OutputFormat.Converter.class,
      scope = ScopeType.INHERIT,
      description = "set the output format (json, simple, table)")
  OutputFormat output;

  @Option(
      names = "--user",
      scope = ScopeType.INHERIT,
      description = "username[:password] for authentication (prompt if password is not supplied)")
  String user;

  @Option(
      names = "--password",
      scope = ScopeType.INHERIT,
      description =
          "password for authentication (if this option is used, --user option shouldn't include"
              + " password)")
  String password;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "help for " + EtcdctlHelp.COMMAND_NAME)
  boolean helpRequested;

  private final PasswordPrompt passwordPrompt;

  StrataCtl(PasswordPrompt passwordPrompt) {
    this.passwordPrompt = passwordPrompt;
  }

  public static void main(String[] args) {
    System.exit(commandLine(StrataCtl::askConsole).execute(args));
  }

  /** The command line of a new {@link StrataCtl}, with etcdctl's help layout and error output. */
  static CommandLine commandLine(PasswordPrompt passwordPrompt) {
    CommandLine commandLine =
        new CommandLine(new StrataCtl(passwordPrompt))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setParameterExceptionHandler(
                (error, args) -> {
                  PrintWriter err = error.getCommandLine().getErr();
                  err.println("Error: " + error.getMessage());
                  err.flush();
                  return ExitCodes.ERROR;
                })
            .setExecutionExceptionHandler(
                (error, failed, parseResult) -> {
                  PrintWriter err = failed.getErr();
                  err.println("Error: " + describe(error, failed));
                  err.flush();
                  return error instanceof CtlException ctl ? ctl.exitCode() : ExitCodes.ERROR;
                });
    EtcdctlHelp.install(commandLine);
    return commandLine;
  }

  /** Without a command, print the help, as etcdctl does. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ExitCodes.SUCCESS;
  }

  /**
   * The global flags of this invocation.
   *
   * @throws CtlException with {@link ExitCodes#BAD_ARGS} if --user and --password disagree, or a
   *     password is needed and nobody can be asked for it
   */
  ClientSettings settings() throws CtlException {
    return new ClientSettings(
        endpoints, dialTimeout, commandTimeout, output, credentials(user, password, passwordPrompt));
  }

  /** The root command's object, from any command's spec. */
  static StrataCtl of(CommandSpec spec) {
    return (StrataCtl) spec.root().userObject();
  }

  private static Optional<ClientSettings.Credentials> credentials(
      String user, String password, PasswordPrompt prompt) throws CtlException {
    if (user == null || user.isEmpty()) {
      if (password != null) {
        throw CtlException.badArgs("--password given without --user");
      }
      return Optional.empty();
    }
    int colon = user.indexOf(':');
    if (password != null) {
      if (colon >= 0) {
        throw CtlException.badArgs(
            "If --password is specified, --user must not contain a password");
      }
      return Optional.of(new ClientSettings.Credentials(user, password));
    }
    if (colon >= 0) {
      return Optional.of(
          new ClientSettings.Credentials(user.substring(0, colon), user.substring(colon + 1)));
    }
    String asked =
        prompt
            .ask("Password: ")
            .orElseThrow(
                () ->
                    CtlException.badArgs(
                        "no password for user " + user + ": give --user " + user
                            + ":<password> or --password, or run on a terminal"));
    return Optional.of(new ClientSettings.Credentials(user, asked));
  }

  private static Optional<String> askConsole(String prompt) {
    Console console = System.console();
    if (console == null) {
      return Optional.empty();
    }
    char[] password = console.readPassword("%s", prompt);
    return password == null ? Optional.empty() : Optional.of(new String(password));
  }

  private static String describe(Exception error, CommandLine failed) {
    if (error instanceof CtlException) {
      return error.getMessage();
    }
    if (error instanceof StatusRuntimeException rpc) {
      return RpcErrors.message(rpc, of(failed.getCommandSpec()).commandTimeout);
    }
    if (error instanceof InterruptedException) {
      return "interrupted";
    }
    return error.toString();
  }
}
