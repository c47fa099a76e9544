package io.strata.e2e.harness;

import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * One member's wall clock under libfaketime (shared/RELIABILITY.md, B3): {@link #runUnderFakeTime}
 * makes the member's next start see its wall clock off by an offset, which {@link #setOffset}
 * changes while it runs (jumps forward or back); its monotonic clock stays true.
 *
 * <p>Besides {@code FAKETIME_DONT_FAKE_MONOTONIC=1}, a JVM needs {@code
 * FAKETIME_FORCE_MONOTONIC_FIX=0} with Debian 12's libfaketime 0.9.10: the "monotonic fix" it
 * turns on for this glibc makes the JVM's timed waits on monotonic condition variables return at
 * once, and an idle member then spins on every core.
 *
 * <p>Needs Debian's faketime package (scripts/install-test-deps.sh installs it); no root.
 */
public final class FakeClock {
  public static final Path LIBFAKETIME =
      Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final ProcessMember member;
  /** Holds libfaketime's offset, e.g. "+2h"; re-read at most a second after it changes. */
  private final Path offsetFile;

  private FakeClock(ProcessMember member) {
    this.member = member;
    this.offsetFile = member.directory().resolve("faketime-offset");
  }

  public static FakeClock of(ProcessMember member) {
    return new FakeClock(member);
  }

  /**
   * From its next start on, the member runs with libfaketime preloaded and its wall clock off by
   * {@code offset} (libfaketime's syntax: "+2h", "-30m", "+1d").
   */
  public void runUnderFakeTime(String offset) {
    if (!Files.isReadable(LIBFAKETIME)) {
      throw new IllegalStateException(LIBFAKETIME + " is missing: install Debian's faketime "
          + "(scripts/install-test-deps.sh)");
    }
    setOffset(offset);
    member.runUnder(List.of(), Map.of(
        "LD_PRELOAD", LIBFAKETIME.toString(),
        "FAKETIME_TIMESTAMP_FILE", offsetFile.toString(),
        "FAKETIME_CACHE_DURATION", "1",
        "FAKETIME_DONT_FAKE_MONOTONIC", "1",
        "FAKETIME_FORCE_MONOTONIC_FIX", "0"));
  }

  /** Sets the member's wall clock to the true time plus {@code offset} (within about a second). */
  public void setOffset(String offset) {
    try {
      Files.createDirectories(offsetFile.getParent());
      Path next = offsetFile.resolveSibling(offsetFile.getFileName() + ".next");
      Files.writeString(next, offset + "\n");
      // Renamed into place, so libfaketime never reads a half-written offset.
      Files.move(next, offsetFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * How far the member's wall clock is ahead of this JVM's (negative: behind), from the Date header
   * of its HTTP endpoint (whole seconds).
   */
  public Duration offsetSeen() {
    try {
      HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(member.metricsUrl()
              + "/health")).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      Instant now = Instant.now();
      String date = r.headers().firstValue("Date").orElseThrow(() ->
          new IllegalStateException(member.name() + "'s HTTP answer has no Date header"));
      Instant theirs = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      return Duration.between(now, theirs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
