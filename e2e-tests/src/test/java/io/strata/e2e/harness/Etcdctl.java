package io.strata.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's etcdctl (v3 API) as a separate process with a timeout and captures its stdout,
 * stderr and exit code. The binary is {@code /usr/bin/etcdctl} unless the system property
 * {@code etcdctl.bin} or the environment variable {@code ETCDCTL_BIN} names another.
 */
public final class Etcdctl {
  private final Path binary;
  private final String endpoints;
  private final Duration commandTimeout;
  private final String writeOut;
  private final String user;
  /** {@code --cacert}, {@code --cert}, {@code --key} and their values; empty without TLS. */
  private final List<String> tlsFlags;

  private Etcdctl(Path binary, String endpoints, Duration commandTimeout, String writeOut, String user,
      List<String> tlsFlags) {
    this.binary = binary;
    this.endpoints = endpoints;
    this.commandTimeout = commandTimeout;
    this.writeOut = writeOut;
    this.user = user;
    this.tlsFlags = tlsFlags;
  }

  public static Etcdctl forEndpoints(String endpoints) {
    return new Etcdctl(binary(), endpoints, Duration.ofSeconds(5), null, null, List.of());
  }

  /** Same endpoints, authenticating as {@code userColonPassword} ({@code --user name:password}). */
  public Etcdctl withUser(String userColonPassword) {
    return new Etcdctl(binary, endpoints, commandTimeout, writeOut, userColonPassword, tlsFlags);
  }

  /**
   * Same endpoints over TLS: {@code --cacert}, {@code --cert} and {@code --key} for those of the
   * files that are not null (none: no TLS flags at all).
   */
  public Etcdctl withTls(Path cacert, Path cert, Path key) {
    List<String> flags = new ArrayList<>();
    if (cacert != null) {
      flags.add("--cacert=" + cacert);
    }
    if (cert != null) {
      flags.add("--cert=" + cert);
    }
    if (key != null) {
      flags.add("--key=" + key);
    }
    return new Etcdctl(binary, endpoints, commandTimeout, writeOut, user, List.copyOf(flags));
  }

  public static Path binary() {
    String configured = System.getProperty("etcdctl.bin", System.getenv("ETCDCTL_BIN"));
    return Path.of(configured == null || configured.isBlank() ? "/usr/bin/etcdctl" : configured);
  }

  /** Same endpoints, with {@code -w format} (json, fields, table, simple, protobuf). */
  public Etcdctl writeOut(String format) {
    return new Etcdctl(binary, endpoints, commandTimeout, format, user, tlsFlags);
  }

  /** Same endpoints, with another {@code --command-timeout}. */
  public Etcdctl commandTimeout(Duration timeout) {
    return new Etcdctl(binary, endpoints, timeout, writeOut, user, tlsFlags);
  }

  public String endpoints() {
    return endpoints;
  }

  public Result run(String... args) {
    return runWithInput(null, args);
  }

  /** Runs etcdctl with {@code stdin} as its standard input (e.g. for {@code txn}). */
  public Result runWithInput(String stdin, String... args) {
    if (!Files.isExecutable(binary)) {
      throw new AssertionError("etcdctl not found at " + binary
          + " (apt-get install etcd-client, or set -Detcdctl.bin=...)");
    }
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--endpoints=" + endpoints);
    command.add("--command-timeout=" + commandTimeout.toMillis() + "ms");
    command.add("--dial-timeout=2s");
    if (writeOut != null) {
      command.add("--write-out=" + writeOut);
    }
    if (user != null) {
      command.add("--user=" + user);
    }
    command.addAll(tlsFlags);
    command.addAll(Arrays.asList(args));
    // The command timeout bounds the RPC; dialling and process start get some slack on top.
    return execute(command, stdin, commandTimeout.toMillis() + 15_000);
  }

  /** Runs {@code command} with {@code stdin} (or none), killing it after {@code limitMs}. */
  static Result execute(List<String> command, String stdin, long limitMs) {
    Path out = null;
    Path err = null;
    Path in = null;
    try {
      out = Files.createTempFile("etcdctl", ".out");
      err = Files.createTempFile("etcdctl", ".err");
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      pb.environment().put("ETCDCTL_API", "3");
      if (stdin != null) {
        in = Files.createTempFile("etcdctl", ".in");
        Files.writeString(in, stdin, StandardCharsets.UTF_8);
        pb.redirectInput(in.toFile());
      } else {
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process p = pb.start();
      if (!p.waitFor(limitMs, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError(command.get(0) + " did not finish within " + limitMs + " ms: " + command
            + "\nstdout: " + Files.readString(out) + "\nstderr: " + Files.readString(err));
      }
      return new Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
      deleteQuietly(in);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // temp file; nothing to do
      }
    }
  }

  /** What one etcdctl run printed and returned. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
      return exitCode == 0;
    }

    /**
     * The message of etcdctl's final {@code Error: ...} line on stderr, without the prefix
     * (etcdctl may print client-side retry warnings as JSON log lines before it).
     */
    public Optional<String> error() {
      String found = null;
      for (String line : stderr.split("\n")) {
        if (line.startsWith("Error: ")) {
          found = line.substring("Error: ".length());
        }
      }
      return Optional.ofNullable(found);
    }

    /** For assertion messages. */
    public String describe() {
      return String.join(" ", command) + "\n  exit " + exitCode + "\n  stdout: " + stdout
          + "\n  stderr: " + stderr;
    }

    @Override
    public String toString() {
      return describe();
    }
  }
}
