package io.strata.server.logging;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.slf4j.event.Level;

/**
 * The server's logging: Strata's own slf4j provider ({@link StrataLogServiceProvider}), which
 * writes every record to stderr in the {@link LogFormat} chosen, at the level chosen. Libraries
 * that log through java.util.logging (gRPC) are routed through it too, so a JSON log holds only
 * JSON lines. jraft's and gRPC's loggers stay at warn or above: they log connection failures with
 * stack traces while peers start.
 *
 * <p>Threading: {@link #configure} may be called at any time from any thread; loggers pick the new
 * settings up at their next record.
 */
public final class StrataLogging {
  /** Loggers that are never more verbose than warn. */
  static final List<String> NOISY = List.of("com.alipay", "io.grpc");

  /** Level, format and where lines go; replaced as a whole. */
  record Settings(Level level, LogFormat format, Consumer<String> sink) {
    /** The most verbose level {@code logger} writes. */
    Level thresholdOf(String logger) {
      for (String prefix : NOISY) {
        if (logger.startsWith(prefix) && level.toInt() < Level.WARN.toInt()) {
          return Level.WARN;
        }
      }
      return level;
    }
  }

  private static volatile Settings settings = new Settings(Level.INFO, LogFormat.CONSOLE, System.err::print);

  private StrataLogging() {}

  /**
   * Makes this provider slf4j's choice even when another one is on the classpath, and routes
   * java.util.logging through slf4j. Call first thing in {@code main}, before any logger exists.
   */
  public static void install() {
    System.setProperty("slf4j.provider", StrataLogServiceProvider.class.getName());
    // slf4j reports the explicit choice on stderr at its INFO level; only its warnings may interrupt the log.
    System.setProperty("slf4j.internal.verbosity", "WARN");
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
  }

  /** {@code --log-level} (etcd's debug, info, warn, error) and {@code --log-format} (console, json). */
  public static void configure(String level, String format) {
    configure(parseLevel(level), LogFormat.parse(format), System.err::print);
  }

  static void configure(Level level, LogFormat format, Consumer<String> sink) {
    settings = new Settings(level, format, sink);
  }

  static Settings settings() {
    return settings;
  }

  static Level parseLevel(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "debug" -> Level.DEBUG;
      case "info" -> Level.INFO;
      case "warn" -> Level.WARN;
      case "error" -> Level.ERROR;
      default -> throw new IllegalArgumentException("unknown log level \"" + text + "\"; expected debug, info, warn or error");
    };
  }
}
