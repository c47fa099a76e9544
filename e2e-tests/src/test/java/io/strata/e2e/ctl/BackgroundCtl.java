package io.strata.e2e.ctl;

import io.strata.e2e.harness.Waits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A client process that does not end by itself ({@code watch}): started in the background, its
 * stdout collected as it comes, killed by {@link #close()}. Waits have deadlines. Thread-safe.
 */
final class BackgroundCtl implements AutoCloseable {

  private final List<String> command;
  private final Process process;
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

  BackgroundCtl(List<String> command) {
    this.command = command;
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("ETCDCTL_API", "3");
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    }
    Thread reader =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (InputStream in = process.getInputStream()) {
                for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                  synchronized (stdout) {
                    stdout.write(buffer, 0, n);
                  }
                }
              } catch (IOException ignored) {
                // the process is gone
              }
            },
            "ctl-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  String stdout() {
    synchronized (stdout) {
      return stdout.toString(StandardCharsets.UTF_8);
    }
  }

  /** Waits until stdout contains {@code text} and returns all of stdout. */
  String awaitStdoutContaining(String text, Duration timeout) {
    return Waits.until(
        String.join(" ", command) + " to print " + text + "; so far: " + stdout(),
        timeout,
        () -> stdout().contains(text) ? stdout() : null,
        () -> process.isAlive() ? null : "exited with " + process.exitValue() + ": " + stdout());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }
}
