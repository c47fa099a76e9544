package io.strata.client.cli;

import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import io.strata.client.DurationConverter;
import io.strata.client.Endpoint;
import java.io.Console;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    subcommands = {
      AlarmCommand.class,
      AuthCommand.class,
      CheckCommand.class,
      CompactionCommand.class,
      CompletionCommand.class,
      DefragCommand.class,
      DelCommand.class,
      DowngradeCommand.class,
      EndpointCommand.class,
      GetCommand.class,
      LeaseCommand.class,
      MemberCommand.class,
      MoveLeaderCommand.class,
      PutCommand.class,
      RoleCommand.class,
      SnapshotCommand.class,
      TxnCommand.class,
      UserCommand.class,
      VersionCommand.class,
      WatchCommand.class
    })
public final class StrataCtl implements Callable<Integer> {

  /** Asks the user for a password; empty if there is nobody to ask. */
  interface PasswordPrompt {
    Optional<String> ask(String prompt);
  }

  /**
   * Where an invocation reads and writes: the process's streams, or a test's.
   *
   * @param in standard input (put's value, txn's requests, passwords with --interactive=false)
   * @param out standard output; keys and values are written to it as raw bytes
   * @param err standard error
   * @param errIsTerminal whether stderr is a terminal (progress is shown only then)
   * @param passwordPrompt asks for a password on the terminal
   */
  record Io(
      InputStream in,
      OutputStream out,
      OutputStream err,
      boolean errIsTerminal,
      PasswordPrompt passwordPrompt) {

    /** The process's own streams. */
    static Io system() {
      return new Io(System.in, System.out, System.err, stderrIsTerminal(), StrataCtl::askConsole);
    }
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--endpoints",
      split = ",",
      defaultValue = "127.0.0.1:2379",
      converter = Endpoint.UrlConverter.class,
      scope = ScopeType.INHERIT,
      paramLabel = "host:port",
      description = "gRPC endpoints")
  List<Endpoint.Url> endpoints;

  @Option(
      names = "--cacert",
      scope = ScopeType.INHERIT,
      description = "verify certificates of TLS-enabled secure servers using this CA bundle")
  String caCert;

  @Option(
      names = "--cert",
      scope = ScopeType.INHERIT,
      description = "identify secure client using this TLS certificate file")
  String cert;

  @Option(
      names = "--key",
      scope = ScopeType.INHERIT,
      description = "identify secure client using this TLS key file")
  String key;

  @Option(
      names = "--insecure-skip-tls-verify",
      arity = "0..1",
      fallbackValue = "true",
      scope = ScopeType.INHERIT,
      description =
          "skip server certificate verification (CAUTION: this option should be enabled only for"
              + " testing purposes)")
  boolean insecureSkipTlsVerify;

  @Option(
      names = "--insecure-transport",
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      scope = ScopeType.INHERIT,
      description = "disable transport security for client connections")
  boolean insecureTransport;

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
      names = "--hex",
      arity = "0..1",
      fallbackValue = "true",
      scope = ScopeType.INHERIT,
      description = "print byte strings as hex encoded strings")
  boolean hex;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "help for " + EtcdctlHelp.COMMAND_NAME)
  boolean helpRequested;

  private final Io io;
  private final PasswordPrompt passwordPrompt;
  private final Output stdout;
  private ClientSettings settings;

  StrataCtl(Io io) {
    this.io = io;
    this.passwordPrompt = io.passwordPrompt();
    this.stdout = new Output(new java.io.BufferedOutputStream(io.out(), 1 << 16));
  }

  public static void main(String[] args) {
    // gRPC's shaded Netty logs through slf4j when slf4j is on the class path, and slf4j then
    // reports its providers on stderr when it finds several (as in a build tree, where the client
    // jar's manifest adds target/lib). stratactl's stderr is etcdctl's, so Netty logs through
    // java.util.logging, as the rest of gRPC does, and slf4j is never started.
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    System.exit(commandLine(Io.system()).execute(args));
  }

  /**
   * Runs one stratactl invocation inside this JVM, as {@code main} would but with the given
   * streams (stderr taken as not a terminal), and returns its exit code. For embedding and tests;
   * not thread-safe with respect to the streams given.
   */
  public static int run(InputStream in, OutputStream out, OutputStream err, String... args) {
    return commandLine(new Io(in, out, err, false, prompt -> Optional.empty())).execute(args);
  }

  /** The command line of a new {@link StrataCtl}, with etcdctl's help layout and error output. */
  static CommandLine commandLine(Io io) {
    StrataCtl root = new StrataCtl(io);
    CommandLine commandLine =
        new CommandLine(root)
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(writer(io.out()))
            .setErr(writer(io.err()))
            .setParameterExceptionHandler(
                (error, args) -> {
                  PrintWriter err = error.getCommandLine().getErr();
                  err.println("Error: " + parameterMessage(error));
                  err.flush();
                  return ExitCodes.ERROR;
                })
            .setExecutionExceptionHandler(
                (error, failed, parseResult) -> {
                  root.stdout.flush();
                  PrintWriter err = failed.getErr();
                  if (!(error instanceof CtlException ctl && ctl.isSilent())) {
                    err.println("Error: " + describe(error, failed));
                  }
                  err.flush();
                  return error instanceof CtlException ctl ? ctl.exitCode() : ExitCodes.ERROR;
                });
    EtcdctlHelp.install(commandLine);
    return commandLine;
  }

  private static PrintWriter writer(OutputStream stream) {
    return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
  }

  /** pflag's words for an unknown flag, else picocli's message. */
  private static String parameterMessage(CommandLine.ParameterException error) {
    if (error instanceof CommandLine.UnmatchedArgumentException unmatched
        && !unmatched.getUnmatched().isEmpty()
        && unmatched.getUnmatched().get(0).startsWith("-")) {
      String flag = unmatched.getUnmatched().get(0);
      int equals = flag.indexOf('=');
      return "unknown flag: " + (equals > 0 ? flag.substring(0, equals) : flag);
    }
    return error.getMessage();
  }

  /** Standard output, as bytes. */
  Output stdout() {
    return stdout;
  }

  /** Standard input. */
  InputStream stdin() {
    return io.in();
  }

  /** Standard error, where progress goes if it is a terminal; null if it is not. */
  PrintWriter progressSink(CommandSpec anySpec) {
    return io.errIsTerminal() ? anySpec.commandLine().getErr() : null;
  }

  /** Asks for a password on the terminal. */
  PasswordPrompt passwordPrompt() {
    return passwordPrompt;
  }

  /** --hex: print keys and values as \\x-escaped hex. */
  boolean hex() {
    return hex;
  }

  /** The --endpoints as the user wrote them (etcdctl prints them so in endpoint commands). */
  List<String> endpointTexts() {
    List<String> texts = new java.util.ArrayList<>();
    CommandLine.Model.OptionSpec option = spec.findOption("--endpoints");
    List<String> given = option == null ? List.of() : option.originalStringValues();
    if (given.isEmpty()) {
      endpoints.forEach(endpoint -> texts.add(endpoint.toString()));
      return texts;
    }
    for (String value : given) {
      for (String text : value.split(",")) {
        if (!text.isBlank()) {
          texts.add(text.trim());
        }
      }
    }
    return texts.size() == endpoints.size() ? texts : endpoints.stream().map(Endpoint.Url::toString).toList();
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
    if (settings == null) {
      settings =
          new ClientSettings(
              endpoints,
              dialTimeout,
              commandTimeout,
              output,
              credentials(user, password, passwordPrompt),
              transport());
    }
    return settings;
  }

  /**
   * The TLS flags. An empty file name is refused, as etcdctl does; the files themselves are read
   * when a connection is made.
   */
  private ClientSettings.Transport transport() throws CtlException {
    return new ClientSettings.Transport(
        file("--cacert", caCert),
        file("--cert", cert),
        file("--key", key),
        insecureSkipTlsVerify,
        insecureTransport);
  }

  private static Optional<Path> file(String flag, String value) throws CtlException {
    if (value == null) {
      return Optional.empty();
    }
    if (value.isEmpty()) {
      throw CtlException.badArgs("empty string is passed to " + flag + " option");
    }
    return Optional.of(Path.of(value));
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

  /** Whether this process's stderr is a terminal (Linux: fd 2 links to a tty or pty). */
  private static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
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
