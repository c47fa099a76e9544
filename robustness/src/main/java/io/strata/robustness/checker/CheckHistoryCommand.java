package io.strata.robustness.checker;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code check-history FILE...}: prints one verdict per history ({@code OK}, {@code VIOLATION:}
 * lines, or {@code UNKNOWN}); exits 0 only when every history is OK, 1 otherwise, 2 on a file that
 * cannot be read.
 *
 * <p>Threading: one invocation on the calling thread.
 */
@Command(
    name = "check-history",
    mixinStandardHelpOptions = true,
    description = "Checks recorded histories for linearizability and watch guarantees.")
public final class CheckHistoryCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "history files (JSON lines)")
  List<Path> files;

  @Option(names = "--budget", defaultValue = "60", description = "layer 2 budget in seconds")
  long budgetSeconds;

  @Option(names = "--double-check", description = "run layer 2 even when layer 1 decided")
  boolean doubleCheck;

  @Option(names = "--max-violations", defaultValue = "50", description = "lines per history")
  int maxViolations;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    HistoryChecker checker =
        new HistoryChecker(Duration.ofSeconds(budgetSeconds), Clock.systemUTC(), doubleCheck);
    int exit = 0;
    for (Path f : files) {
      History h;
      try {
        h = HistoryCodec.read(f);
      } catch (Exception e) {
        out.println(f + ": ERROR: " + e.getMessage());
        exit = 2;
        continue;
      }
      HistoryChecker.Verdict v = checker.check(h);
      switch (v.outcome()) {
        case OK -> out.println(f + ": OK (" + h.operations().size() + " ops, "
            + h.watches().size() + " watches)");
        case UNKNOWN -> out.println(f + ": UNKNOWN " + v.notes());
        case VIOLATION -> {
          v.violations().stream().limit(maxViolations)
              .forEach(x -> out.println(f + ": VIOLATION: " + x));
          if (v.violations().size() > maxViolations) {
            out.println(f + ": VIOLATION: ... " + (v.violations().size() - maxViolations)
                + " more");
          }
        }
      }
      if (!v.ok()) {
        exit = Math.max(exit, 1);
      }
    }
    out.flush();
    return exit;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new CheckHistoryCommand()).execute(args));
  }
}
