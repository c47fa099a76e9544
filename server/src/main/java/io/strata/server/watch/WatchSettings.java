package io.strata.server.watch;

import java.time.Duration;

/**
 * Tunables of the watch hub. {@link #defaults(long)} gives etcd's values where etcd has one.
 *
 * @param progressNotifyInterval how often watchers that asked for progress notifications get one
 *     when they had no events (etcd's {@code --experimental-watch-progress-notify-interval},
 *     default 10 minutes, plus up to 10% jitter per stream); zero or negative turns them off
 * @param fragmentBytes responses of watchers that asked for fragmentation are split below this
 *     size (etcd: {@code --max-request-bytes} plus 512 KiB of gRPC overhead)
 * @param maxQueuedResponses per stream: above this many unsent responses, watchers of the stream
 *     stop receiving live events and catch up from the store once the client reads again (etcd
 *     buffers 1024 responses per stream)
 * @param maxQueuedBytes the same bound in serialized bytes
 * @param historyChanges store changes read per catch-up step (etcd syncs at most 1000 revisions
 *     at a time)
 * @param historyBytes serialized event bytes read per catch-up step
 * @param maxPendingEvents events handed from the apply thread and not yet dispatched; above it
 *     the hub drops batches and sends every watcher through catch-up instead
 * @param leaderCheckInterval how often the hub checks for a leader (etcd: one election timeout);
 *     after three checks without one it ends the streams that require a leader
 */
public record WatchSettings(
    Duration progressNotifyInterval,
    long fragmentBytes,
    int maxQueuedResponses,
    long maxQueuedBytes,
    int historyChanges,
    long historyBytes,
    long maxPendingEvents,
    Duration leaderCheckInterval) {

  /** etcd's allowance for gRPC framing on top of {@code --max-request-bytes}. */
  public static final long GRPC_OVERHEAD_BYTES = 512 * 1024;

  public WatchSettings {
    if (maxQueuedResponses < 2 || maxQueuedBytes < 2 || historyChanges < 1 || historyBytes < 1
        || maxPendingEvents < 1 || fragmentBytes < 1 || leaderCheckInterval.isNegative() || leaderCheckInterval.isZero()) {
      throw new IllegalArgumentException("watch settings out of range: " + this);
    }
  }

  public static WatchSettings defaults(long maxRequestBytes) {
    return new WatchSettings(Duration.ofMinutes(10), maxRequestBytes + GRPC_OVERHEAD_BYTES,
        1024, 16L << 20, 1000, 4L << 20, 100_000, Duration.ofSeconds(1));
  }

  public WatchSettings withProgressNotifyInterval(Duration interval) {
    return new WatchSettings(interval, fragmentBytes, maxQueuedResponses, maxQueuedBytes,
        historyChanges, historyBytes, maxPendingEvents, leaderCheckInterval);
  }

  public WatchSettings withQueueBounds(int responses, long bytes) {
    return new WatchSettings(progressNotifyInterval, fragmentBytes, responses, bytes,
        historyChanges, historyBytes, maxPendingEvents, leaderCheckInterval);
  }

  public WatchSettings withHistoryStep(int changes, long bytes) {
    return new WatchSettings(progressNotifyInterval, fragmentBytes, maxQueuedResponses,
        maxQueuedBytes, changes, bytes, maxPendingEvents, leaderCheckInterval);
  }

  public WatchSettings withMaxPendingEvents(long events) {
    return new WatchSettings(progressNotifyInterval, fragmentBytes, maxQueuedResponses,
        maxQueuedBytes, historyChanges, historyBytes, events, leaderCheckInterval);
  }

  public WatchSettings withFragmentBytes(long bytes) {
    return new WatchSettings(progressNotifyInterval, bytes, maxQueuedResponses, maxQueuedBytes,
        historyChanges, historyBytes, maxPendingEvents, leaderCheckInterval);
  }

  public WatchSettings withLeaderCheckInterval(Duration interval) {
    return new WatchSettings(progressNotifyInterval, fragmentBytes, maxQueuedResponses,
        maxQueuedBytes, historyChanges, historyBytes, maxPendingEvents, interval);
  }

  /**
   * Parses a Go duration as etcd's flags take it: a sequence of decimal numbers with units
   * {@code ns us µs ms s m h}, e.g. {@code 10m}, {@code 1m30s}, {@code 500ms}; a bare {@code 0}.
   */
  public static Duration parseGoDuration(String text) {
    String s = text.trim();
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    boolean negative = s.startsWith("-");
    if (negative || s.startsWith("+")) {
      s = s.substring(1);
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\"");
    }
    double nanos = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        throw new IllegalArgumentException("invalid duration \"" + text + "\"");
      }
      double number = Double.parseDouble(s.substring(start, i));
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i);
      long scale = switch (unit) {
        case "ns" -> 1L;
        case "us", "µs", "μs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "h" -> 3_600_000_000_000L;
        default -> throw new IllegalArgumentException(
            unit.isEmpty() ? "missing unit in duration \"" + text + "\"" : "unknown unit \"" + unit + "\" in duration \"" + text + "\"");
      };
      nanos += number * scale;
    }
    Duration d = Duration.ofNanos((long) nanos);
    return negative ? d.negated() : d;
  }
}
