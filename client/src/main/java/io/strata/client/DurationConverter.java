package io.strata.client;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses durations the way etcd's flags write them: a whole number with one unit, {@code 500ms},
 * {@code 10s}, {@code 2m}, {@code 1h}; ISO-8601 ({@code PT10S}) is accepted too. Stateless.
 */
public final class DurationConverter implements ITypeConverter<Duration> {

  private static final Pattern NUMBER_WITH_UNIT = Pattern.compile("(\\d+)(ms|s|m|h)");

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException if it is not a duration in one of the accepted forms
   */
  public static Duration parse(String text) {
    String normalized = text.trim().toLowerCase(Locale.ROOT);
    Matcher matcher = NUMBER_WITH_UNIT.matcher(normalized);
    if (matcher.matches()) {
      try {
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> throw new AssertionError("unit not in pattern: " + matcher.group(2));
        };
      } catch (NumberFormatException | ArithmeticException e) {
        throw new IllegalArgumentException("duration too large: '" + text + "'", e);
      }
    }
    if (normalized.startsWith("pt")) {
      try {
        return Duration.parse(text.trim());
      } catch (DateTimeParseException e) {
        // fall through to the common message
      }
    }
    throw new IllegalArgumentException(
        "invalid duration '" + text + "': expected e.g. 500ms, 10s, 2m or 1h");
  }

  @Override
  public Duration convert(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
