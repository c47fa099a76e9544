package io.strata.client.cli;

import com.google.protobuf.Message;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A stratactl command that talks to the cluster: the global settings, the output streams and a
 * connection to the cluster through {@code --endpoints} ({@link Connections#connectAny}). Subclasses implement {@link #run()}; whatever
 * they print to {@link #out()} is flushed when it returns or fails. Not thread-safe; an instance
 * serves one invocation on the calling thread.
 */
abstract class CtlCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** The body of the command: returns the exit code, or throws what the user should see. */
  abstract int run() throws Exception;

  @Override
  public final Integer call() throws Exception {
    try {
      return run();
    } finally {
      out().flush();
    }
  }

  StrataCtl root() {
    return StrataCtl.of(spec);
  }

  ClientSettings settings() throws CtlException {
    return root().settings();
  }

  OutputFormat format() throws CtlException {
    return settings().output();
  }

  Output out() {
    return root().stdout();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /**
   * Runs {@code body} with a connection through --endpoints: dialed at the first that accepts a
   * connection, calls failing over to the others.
   */
  <T> T withConnection(ConnectionBody<T> body) throws Exception {
    ClientSettings settings = settings();
    try (Connections connections = new Connections(settings)) {
      return body.apply(connections.connectAny(settings.endpoints()));
    }
  }

  /** What a command does with its connection. */
  interface ConnectionBody<T> {
    T apply(Connection connection) throws Exception;
  }

  /**
   * Prints {@code simple} (its lines; nothing if empty) or {@code response} as etcdctl's JSON, as
   * {@code -w} says; like etcdctl, these answers have no table form. Returns the exit code.
   */
  int printSimpleOrJson(Message response, String simple) throws CtlException {
    switch (format()) {
      case SIMPLE -> {
        if (!simple.isEmpty()) {
          out().line(simple);
        }
      }
      case JSON -> out().line(Json.writeGo(GoJson.of(response)));
      case TABLE -> throw unsupportedFormat();
    }
    return ExitCodes.SUCCESS;
  }

  /** Fails as etcdctl fails for a printout it has no {@code -w} form of. */
  CtlException unsupportedFormat() throws CtlException {
    return CtlException.unsupportedFormat(format());
  }
}
