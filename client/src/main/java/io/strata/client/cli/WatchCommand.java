package io.strata.client.cli;

import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.client.WatchCanceledException;
import io.strata.client.WatchListener;
import io.strata.client.Watcher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl watch}: etcdctl's watch. Watches a key, a prefix ({@code --prefix}) or a range
 * ({@code key range_end}) from {@code --rev} on, printing each event as it comes ({@link
 * Printer#watch}) until interrupted. With {@code -- command args} after the key it also runs the
 * command for each event, with {@code ETCD_WATCH_REVISION}, {@code ETCD_WATCH_EVENT_TYPE}, {@code
 * ETCD_WATCH_KEY} and {@code ETCD_WATCH_VALUE} in its environment. With {@code -i} it reads {@code
 * watch ...} lines from standard input and starts one watch per line (the stream ends at EOF).
 *
 * <p>When the server cancels a watch (its start revision was compacted), prints {@code watch was
 * canceled (<why>)} on stderr and exits 5 with {@code Error: watch is canceled by the server}, as
 * etcdctl does.
 *
 * <p>A watch is the client library's: when its stream fails it resumes on another endpoint from
 * the revision after the last event printed (as etcdctl's client does), so only the server's
 * cancellation or an error that would recur anywhere (e.g. permission denied) ends it.
 *
 * <p>Threading: responses arrive on the library's threads, one at a time per watch, and are
 * printed (and commands run) there, under the output's lock; the calling thread waits for the
 * watch to end or reads standard input.
 */
@Command(name = "watch", description = "Watches events stream on keys or prefixes")
final class WatchCommand extends CtlCommand {

  @Parameters(
      arity = "0..*",
      paramLabel = "[options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
      description = "key")
  List<String> args = new ArrayList<>();

  @Option(
      names = {"-i", "--interactive"},
      arity = "0..1",
      fallbackValue = "true",
      description = "Interactive mode")
  boolean interactive;

  @Option(names = "--prefix", arity = "0..1", fallbackValue = "true", description = "Watch on a prefix if prefix is set")
  boolean prefix;

  @Option(names = "--rev", defaultValue = "0", description = "Revision to start watching")
  long rev;

  @Option(
      names = "--prev-kv",
      arity = "0..1",
      fallbackValue = "true",
      description = "get the previous key-value pair before the event happens")
  boolean prevKv;

  /** How a watch ended: an error to report, or cancellation by the server. */
  private final AtomicReference<CtlException> ended = new AtomicReference<>();

  private final CountDownLatch done = new CountDownLatch(1);

  @Override
  int run() throws Exception {
    return withConnection(
        connection -> {
          if (interactive) {
            return interactive(connection);
          }
          List<String> original = spec.commandLine().getParseResult().originalArgs();
          Split split = split(args, original);
          Watcher watcher = start(connection, split.watchArgs(), split.exec());
          try {
            done.await();
          } finally {
            watcher.close();
          }
          throw ended.get();
        });
  }

  /** The watch arguments and the command to run per event (empty: none). */
  private record Split(List<String> watchArgs, List<String> exec) {}

  private static Split split(List<String> positionals, List<String> originalArgs)
      throws CtlException {
    int separator = originalArgs.indexOf("--");
    if (separator < 0) {
      if (positionals.isEmpty()) {
        throw CtlException.badArgs("bad number of arguments");
      }
      return new Split(positionals, List.of());
    }
    if (separator == originalArgs.size() - 1) {
      throw CtlException.badArgs("bad number of arguments (found separator --, but no commands)");
    }
    List<String> exec = originalArgs.subList(separator + 1, originalArgs.size());
    List<String> watchArgs = positionals.subList(0, positionals.size() - exec.size());
    if (watchArgs.isEmpty()) {
      throw CtlException.badArgs("bad number of arguments");
    }
    return new Split(List.copyOf(watchArgs), List.copyOf(exec));
  }

  private int interactive(Connection connection) throws CtlException {
    BufferedReader reader =
        new BufferedReader(new InputStreamReader(root().stdin(), StandardCharsets.UTF_8));
    List<Watcher> watchers = new ArrayList<>();
    try {
      while (true) {
        String line;
        try {
          line = reader.readLine();
        } catch (IOException e) {
          throw CtlException.invalidInput("Error reading watch request line: " + e.getMessage());
        }
        if (ended.get() != null && ended.get().exitCode() != ExitCodes.INTERRUPTED) {
          throw ended.get();
        }
        if (line == null) {
          throw CtlException.invalidInput("Error reading watch request line: EOF");
        }
        List<String> words = TxnInput.words(line);
        if (words.size() < 2) {
          warn("Invalid command " + line + " (command type or key is not provided)");
          continue;
        }
        if (!words.get(0).equals("watch")) {
          warn("Invalid command " + line + " (only support watch)");
          continue;
        }
        WatchCommand parsed = new WatchCommand();
        CommandLine parser = new CommandLine(parsed);
        try {
          parser.parseArgs(words.subList(1, words.size()).toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
          throw CtlException.badArgs(e.getMessage());
        }
        Split split = split(parsed.args, words.subList(1, words.size()));
        try {
          watchers.add(parsed.startFor(this, connection, split));
        } catch (CtlException e) {
          warn("Invalid command " + line + " (" + e.getMessage() + ")");
        }
      }
    } finally {
      watchers.forEach(Watcher::close);
    }
  }

  private Watcher startFor(
      WatchCommand owner, Connection connection, Split split) throws CtlException {
    return owner.open(connection, createRequest(split.watchArgs()), split.exec());
  }

  private Watcher start(
      Connection connection, List<String> watchArgs, List<String> exec) throws CtlException {
    return open(connection, createRequest(watchArgs), exec);
  }

  /** This command's options applied to {@code watchArgs}: key and optional range end. */
  private WatchCreateRequest createRequest(List<String> watchArgs) throws CtlException {
    WatchCreateRequest.Builder create =
        WatchCreateRequest.newBuilder()
            .setKey(KeyRanges.utf8(watchArgs.get(0)))
            .setStartRevision(rev)
            .setPrevKv(prevKv);
    if (watchArgs.size() == 2) {
      if (prefix) {
        throw CtlException.badArgs("`range_end` and `--prefix` are mutually exclusive");
      }
      create.setRangeEnd(KeyRanges.utf8(watchArgs.get(1)));
    }
    if (prefix) {
      create.setRangeEnd(
          watchArgs.get(0).isEmpty()
              ? KeyRanges.FROM_KEY
              : KeyRanges.prefixEnd(KeyRanges.utf8(watchArgs.get(0))));
      if (watchArgs.get(0).isEmpty()) {
        create.setKey(KeyRanges.FROM_KEY);
      }
    }
    return create.build();
  }

  private Watcher open(Connection connection, WatchCreateRequest create, List<String> exec)
      throws CtlException {
    Printer printer = new Printer(out(), format(), root().hex());
    return connection.watch(
        create,
        new WatchListener() {
          @Override
          public void onNext(WatchResponse response) {
            try {
              if (response.getEventsCount() > 0) {
                show(printer, response, exec);
              }
            } catch (RuntimeException e) {
              finish(new CtlException("cannot print a watch response: " + e));
            }
          }

          @Override
          public void onError(Throwable error) {
            if (error instanceof WatchCanceledException canceled && canceled.response().isPresent()) {
              WatchResponse response = canceled.response().get();
              warn("watch was canceled (" + cancelReason(response) + ")");
              show(printer, response, exec);
            } else {
              warn("watch was canceled (" + connection.failure(error).getMessage() + ")");
            }
            finish(new CtlException("watch is canceled by the server", ExitCodes.INTERRUPTED));
          }
        });
  }

  private void show(Printer printer, WatchResponse response, List<String> exec) {
    Output out = out();
    synchronized (out) {
      try {
        printer.watch(response);
        out.flush();
        for (Event event : response.getEventsList()) {
          if (!exec.isEmpty()) {
            runCommand(exec, response, event);
          }
        }
      } catch (CommandFailed e) {
        warn(e.getMessage());
        finish(CtlException.silent(ExitCodes.ERROR));
      } catch (CtlException e) {
        finish(e);
      }
    }
  }

  /** The command run for an event failed; etcdctl says so on stderr and exits 1. */
  private static final class CommandFailed extends CtlException {
    private static final long serialVersionUID = 1L;

    CommandFailed(String message) {
      super(message);
    }
  }

  private static void runCommand(List<String> exec, WatchResponse response, Event event)
      throws CtlException {
    ProcessBuilder command = new ProcessBuilder(exec).inheritIO();
    command.environment().put("ETCD_WATCH_REVISION", Long.toString(response.getHeader().getRevision()));
    command.environment().put("ETCD_WATCH_EVENT_TYPE", GoFormat.quote(event.getType().name()));
    command.environment().put("ETCD_WATCH_KEY", GoFormat.quote(event.getKv().getKey().toStringUtf8()));
    command.environment().put("ETCD_WATCH_VALUE", GoFormat.quote(event.getKv().getValue().toStringUtf8()));
    String quoted = exec.stream().map(GoFormat::quote).collect(Collectors.joining(" ", "[", "]"));
    try {
      int exit = command.start().waitFor();
      if (exit != 0) {
        throw new CommandFailed("command " + quoted + " error (exit status " + exit + ")");
      }
    } catch (IOException e) {
      throw new CommandFailed("command " + quoted + " error (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailed("command " + quoted + " error (interrupted)");
    }
  }

  /** Why the server cancelled: etcd's words for a compacted start, else its reason. */
  private static String cancelReason(WatchResponse response) {
    if (response.getCompactRevision() != 0) {
      return "etcdserver: mvcc: required revision has been compacted";
    }
    if (!response.getCancelReason().isEmpty()) {
      return response.getCancelReason();
    }
    return "etcdserver: mvcc: required revision is a future revision";
  }

  private void warn(String message) {
    PrintWriter err = err();
    synchronized (err) {
      err.println(message);
      err.flush();
    }
  }

  private void finish(CtlException why) {
    ended.compareAndSet(null, why);
    done.countDown();
  }
}
