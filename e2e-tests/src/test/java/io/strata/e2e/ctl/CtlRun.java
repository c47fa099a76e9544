package io.strata.e2e.ctl;

import io.strata.client.cli.StrataCtl;
import io.strata.e2e.harness.Etcdctl;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What one client run printed, reduced to what must match between etcdctl and stratactl: the exit
 * code, stdout, and stderr without etcdctl's client-side log lines (JSON lines that start with
 * {@code {"level"}, which clientv3 writes when it retries). Immutable.
 */
record CtlRun(int exitCode, String stdout, String stderr) {

  /** Global flags both clients get, as the harness's Etcdctl passes them. */
  static List<String> globalFlags(String endpoints, String format) {
    return List.of(
        "--endpoints=" + endpoints, "--command-timeout=5000ms", "--dial-timeout=2s",
        "--write-out=" + format);
  }

  static CtlRun etcdctl(String endpoints, String format, String stdin, List<String> args) {
    Etcdctl.Result result =
        Etcdctl.forEndpoints(endpoints).writeOut(format).runWithInput(stdin, args.toArray(String[]::new));
    return new CtlRun(result.exitCode(), result.stdout(), withoutClientLogs(result.stderr()));
  }

  /**
   * stratactl inside this JVM ({@link StrataCtl#run}): the same code the {@code bin/stratactl}
   * process runs, without a JVM start per command line (which would make this suite take minutes).
   */
  static CtlRun stratactl(String endpoints, String format, String stdin, List<String> args) {
    List<String> all = new ArrayList<>(globalFlags(endpoints, format));
    all.addAll(args);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    InputStream in =
        stdin == null
            ? InputStream.nullInputStream()
            : new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    int exit = StrataCtl.run(in, out, err, all.toArray(String[]::new));
    return new CtlRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static String withoutClientLogs(String stderr) {
    return Arrays.stream(stderr.split("\n", -1))
        .filter(line -> !line.startsWith("{\"level\""))
        .collect(Collectors.joining("\n"));
  }

  /** This run with {@code mask} applied to stdout and stderr. */
  CtlRun masked(Mask mask) {
    return new CtlRun(exitCode, mask.apply(stdout), mask.apply(stderr));
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
  }
}
