package io.strata.e2e.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * How a member stopped by itself after a disk fault: its exit code, how long after the fault, the
 * line after its "fatal error" log line (what it stopped on) and the first line of its last run's
 * log naming the fault.
 */
record MemberStop(int exitCode, Duration afterFault, String fatal, String fault) {
  private static final String FATAL = "fatal error, stopping the member";

  /**
   * Waits until {@code member} has stopped by itself, at most {@code bound} after {@code
   * faultNanos} (System.nanoTime), and fails unless it exited with a non-zero code, logged a fatal
   * error, and its log of this run names the fault with one of {@code faultTexts}.
   */
  static MemberStop await(Cluster cluster, ProcessMember member, long faultNanos, Duration bound,
      String... faultTexts) {
    cluster.waitFor(member.name() + " to stop by itself", bound,
        () -> member.isRunning() ? null : true);
    Duration after = Duration.ofNanos(System.nanoTime() - faultNanos);
    List<String> lastRun;
    try {
      lastRun = lastRun(Files.readAllLines(member.logFile()), member.name());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int exit = member.exitCode().orElseThrow();
    assertThat(exit).as("exit code of %s", member.name()).isNotZero();
    String text = String.join("\n", lastRun);
    assertThat(text).as("%s's log says it stopped on a fatal error", member.name())
        .contains(FATAL);
    assertThat(text).as("%s's log names the fault", member.name()).containsAnyOf(faultTexts);
    String fatal = "";
    String fault = "";
    for (int i = 0; i < lastRun.size(); i++) {
      String line = lastRun.get(i);
      if (fatal.isEmpty() && line.contains(FATAL) && i + 1 < lastRun.size()) {
        fatal = lastRun.get(i + 1);
      }
      if (fault.isEmpty() && Arrays.stream(faultTexts).anyMatch(line::contains)) {
        fault = line;
      }
    }
    return new MemberStop(exit, after, fatal, fault);
  }

  /** The log lines of the member's last run: from the harness's last "starting" line on. */
  private static List<String> lastRun(List<String> log, String name) {
    int start = 0;
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).startsWith("===== [e2e] ") && log.get(i).contains(" starting " + name + ":")) {
        start = i;
      }
    }
    return log.subList(start, log.size());
  }

  @Override
  public String toString() {
    return "exit code " + exitCode + " " + afterFault.toMillis() + " ms after the fault; stopped on: "
        + fatal + "; first sign of the fault: " + fault;
  }
}
