package io.strata.e2e.conformance;

import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Waits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running {@code etcdctl watch} (it never exits by itself unless the server cancels the
 * watch): started in the background, its stdout and stderr collected as they come, commands fed
 * on stdin for {@code watch -i}. Every wait has a deadline; {@link #close()} kills the process.
 */
final class EtcdctlWatch implements AutoCloseable {
  private final List<String> command;
  private final Process process;
  private final StringBuffer stdout = new StringBuffer();
  private final StringBuffer stderr = new StringBuffer();
  private final Thread outReader;
  private final Thread errReader;
  private final OutputStream stdin;

  private EtcdctlWatch(List<String> command) {
    this.command = command;
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("ETCDCTL_API", "3");
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    }
    stdin = process.getOutputStream();
    outReader = pump(process.getInputStream(), stdout, "etcdctl-watch-out");
    errReader = pump(process.getErrorStream(), stderr, "etcdctl-watch-err");
  }

  /** Starts {@code etcdctl --endpoints=endpoint [global flags] watch args...}. */
  static EtcdctlWatch start(String endpoint, List<String> globalFlags, String... args) {
    List<String> command = new ArrayList<>(List.of(Etcdctl.binary().toString(),
        "--endpoints=" + endpoint, "--dial-timeout=2s"));
    command.addAll(globalFlags);
    command.add("watch");
    command.addAll(List.of(args));
    return new EtcdctlWatch(command);
  }

  static EtcdctlWatch start(String endpoint, String... args) {
    return start(endpoint, List.of(), args);
  }

  private static Thread pump(InputStream in, StringBuffer into, String name) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try {
        int n;
        while ((n = in.read(buffer)) > 0) {
          into.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
      } catch (IOException ignored) {
        // process gone
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Writes one line to etcdctl's stdin (a command of {@code watch -i}). */
  void send(String line) {
    try {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + command + "; " + describe(), e);
    }
  }

  String stdout() {
    return stdout.toString();
  }

  String stderr() {
    return stderr.toString();
  }

  /** Waits until stdout is exactly {@code expected} (fails with the difference otherwise). */
  void awaitStdout(String expected, Duration timeout) {
    Waits.until("etcdctl watch to print " + quote(expected) + "; so far " + describe(), timeout,
        () -> {
          String now = stdout();
          if (now.length() > expected.length() || !expected.startsWith(now)) {
            throw new AssertionError("stdout went another way: " + quote(now) + " vs expected " + quote(expected));
          }
          return now.equals(expected) ? now : null;
        });
  }

  /** Waits until stdout has at least {@code length} characters and returns it. */
  String awaitStdoutLength(int length, Duration timeout) {
    return Waits.until("etcdctl watch to print " + length + " characters; so far " + describe(), timeout,
        () -> stdout().length() >= length ? stdout() : null);
  }

  /** Waits for the process to exit by itself; returns its exit code. */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("etcdctl did not exit within " + timeout.toMillis() + " ms: " + describe());
      }
      outReader.join(5000);
      errReader.join(5000);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Closes stdin (etcdctl -i then stops reading commands). */
  void closeInput() {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  String describe() {
    return String.join(" ", command) + "\n  stdout: " + quote(stdout()) + "\n  stderr: " + quote(stderr())
        + (process.isAlive() ? "" : "\n  exit " + process.exitValue());
  }

  private static String quote(String s) {
    return "\"" + s.replace("\n", "\\n") + "\"";
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
