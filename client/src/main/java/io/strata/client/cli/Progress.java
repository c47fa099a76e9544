package io.strata.client.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A progress line on a terminal's stderr for a long operation (snapshot save, defrag), redrawn in
 * place with {@code \r} once a second and when the amount changes, and ended with a newline. With
 * no terminal (a null sink) it prints nothing at all, so scripts see etcdctl's output unchanged.
 * Thread-safe: the amount may be advanced from any thread; a daemon thread redraws.
 */
final class Progress implements AutoCloseable {

  /** How a progress line reads, from the amount so far and the time elapsed. */
  interface Line {
    String text(long amount, Duration elapsed);
  }

  private final PrintWriter sink;
  private final Line line;
  private final AtomicLong amount = new AtomicLong();
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private boolean finished;

  private Progress(PrintWriter sink, Line line) {
    this.sink = sink;
    this.line = line;
    if (sink == null) {
      ticker = null;
      return;
    }
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "stratactl-progress");
              thread.setDaemon(true);
              return thread;
            });
    ticker.scheduleAtFixedRate(this::draw, 0, 1, TimeUnit.SECONDS);
  }

  /** {@code <what>: 12.3 MB received (2s)}. */
  static Progress bytes(PrintWriter sink, String what) {
    return new Progress(
        sink,
        (amount, elapsed) ->
            what + ": " + GoFormat.bytes(amount) + " received (" + seconds(elapsed) + ")");
  }

  /** {@code <what>: 3s elapsed}. */
  static Progress elapsed(PrintWriter sink, String what) {
    return new Progress(sink, (amount, elapsed) -> what + ": " + seconds(elapsed) + " elapsed");
  }

  private static String seconds(Duration elapsed) {
    return elapsed.toSeconds() + "s";
  }

  /** Adds {@code delta} to the amount (bytes received so far). */
  void advance(long delta) {
    amount.addAndGet(delta);
  }

  /** The operation finished: draws the last line and ends it. */
  synchronized void done() {
    if (sink != null && !finished) {
      finished = true;
      ticker.shutdownNow();
      sink.print("\r" + line.text(amount.get(), Duration.ofNanos(System.nanoTime() - startNanos)) + "\n");
      sink.flush();
    }
  }

  private synchronized void draw() {
    if (!finished) {
      sink.print("\r" + line.text(amount.get(), Duration.ofNanos(System.nanoTime() - startNanos)));
      sink.flush();
    }
  }

  /** Stops redrawing; a line not {@link #done()} is ended so later output starts afresh. */
  @Override
  public synchronized void close() {
    if (sink != null && !finished) {
      finished = true;
      ticker.shutdownNow();
      sink.print("\n");
      sink.flush();
    }
  }
}
