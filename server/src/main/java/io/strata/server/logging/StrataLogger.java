package io.strata.server.logging;

import java.time.Instant;
import java.util.Set;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One named slf4j logger of {@link StrataLogging}: formats each enabled record as the current
 * settings say and hands the whole text (one record, stack trace included) to the sink in one
 * call, so lines of concurrent records never interleave.
 *
 * <p>Threading: thread-safe.
 */
final class StrataLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;
  /** Frames of these packages are the logging machinery, not the caller. */
  private static final Set<String> MACHINERY = Set.of("org.slf4j.", StrataLogger.class.getName(), "java.util.logging.",
      "sun.util.logging.");
  private static final StackWalker WALKER = StackWalker.getInstance();

  StrataLogger(String name) {
    this.name = name;
  }

  private boolean enabled(Level level) {
    return level.toInt() >= StrataLogging.settings().thresholdOf(name).toInt();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
      Throwable error) {
    StrataLogging.Settings settings = StrataLogging.settings();
    String message = MessageFormatter.basicArrayFormat(pattern, arguments);
    String caller = settings.format().wantsCaller() ? caller() : null;
    settings.sink().accept(settings.format().format(new LogFormat.LogRecord(Instant.now(), level, name,
        Thread.currentThread().getName(), caller, message == null ? "null" : message, error)));
  }

  /** "File.java:line" of the first frame outside the logging machinery, or null. */
  private static String caller() {
    return WALKER.walk(frames -> frames
        .filter(frame -> MACHINERY.stream().noneMatch(frame.getClassName()::startsWith))
        .findFirst()
        .map(frame -> (frame.getFileName() != null ? frame.getFileName() : frame.getClassName())
            + ":" + frame.getLineNumber())
        .orElse(null));
  }
}
