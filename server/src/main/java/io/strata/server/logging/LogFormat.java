package io.strata.server.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.event.Level;

/**
 * How a log line is written ({@code --log-format}, etcd's names).
 * <ul>
 *   <li>{@code console}: one line per record, {@code 2026-11-25T10:00:00.000+0000 [thread] INFO
 *       logger - message}, then the exception's stack trace if any (the format of earlier
 *       versions).</li>
 *   <li>{@code json}: one JSON object per line, as etcd's zap logger writes them:
 *       {@code {"level":"info","ts":"2026-11-25T10:00:00.000Z","logger":"io.strata...",
 *       "caller":"StrataServer.java:231","thread":"main","msg":"..."}}, plus {@code "error"}
 *       (the exception) and {@code "stacktrace"} when there is one. {@code ts} is UTC, ISO-8601
 *       with milliseconds.</li>
 * </ul>
 *
 * <p>Threading: stateless; records are formatted on the logging thread.
 */
public enum LogFormat {
  CONSOLE {
    @Override
    String format(LogRecord record) {
      StringBuilder line = new StringBuilder(128)
          .append(CONSOLE_TIME.format(record.time())).append(" [").append(record.thread()).append("] ")
          .append(record.level().name()).append(' ').append(record.logger()).append(" - ")
          .append(record.message()).append('\n');
      if (record.error() != null) {
        line.append(stackTrace(record.error()));
      }
      return line.toString();
    }
  },
  JSON {
    @Override
    String format(LogRecord record) {
      StringBuilder line = new StringBuilder(192).append("{\"level\":\"")
          .append(record.level().name().toLowerCase(Locale.ROOT)).append("\",\"ts\":\"")
          .append(JSON_TIME.format(record.time())).append("\",\"logger\":");
      JsonText.appendQuoted(line, record.logger());
      if (record.caller() != null) {
        line.append(",\"caller\":");
        JsonText.appendQuoted(line, record.caller());
      }
      line.append(",\"thread\":");
      JsonText.appendQuoted(line, record.thread());
      line.append(",\"msg\":");
      JsonText.appendQuoted(line, record.message());
      if (record.error() != null) {
        line.append(",\"error\":");
        JsonText.appendQuoted(line, record.error().toString());
        line.append(",\"stacktrace\":");
        JsonText.appendQuoted(line, stackTrace(record.error()));
      }
      return line.append("}\n").toString();
    }
  };

  private static final DateTimeFormatter CONSOLE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneId.systemDefault());
  private static final DateTimeFormatter JSON_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** One record to write; {@code caller} ("File.java:line") may be null, {@code error} too. */
  record LogRecord(Instant time, Level level, String logger, String thread, String caller, String message,
      Throwable error) {}

  /** The record as one or more lines, ending in a newline. */
  abstract String format(LogRecord record);

  /** Whether lines of this format name their caller (worth the stack walk). */
  boolean wantsCaller() {
    return this == JSON;
  }

  /** {@code --log-format}: {@code console} or {@code json}. */
  public static LogFormat parse(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "console" -> CONSOLE;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException("unknown log format \"" + text + "\"; expected console or json");
    };
  }

  private static String stackTrace(Throwable error) {
    StringWriter text = new StringWriter();
    error.printStackTrace(new PrintWriter(text));
    return text.toString();
  }
}
