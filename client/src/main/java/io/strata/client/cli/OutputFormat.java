package io.strata.client.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The values of {@code -w/--write-out}, written in lower case on the command line. etcdctl also
 * has {@code fields} and {@code protobuf}; stratactl prints only these three.
 */
enum OutputFormat {
  /** Human-readable lines, etcdctl's default. */
  SIMPLE,
  /** One JSON object. */
  JSON,
  /** A bordered table where the command prints rows; otherwise as {@link #SIMPLE}. */
  TABLE;

  /** How the format is written on the command line: {@code simple}, {@code json}, {@code table}. */
  String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Picocli adapter: {@code simple}, {@code json} or {@code table}, any case. Stateless. */
  static final class Converter implements ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "unsupported output format '" + value + "' (use "
                + Arrays.stream(values())
                    .map(f -> f.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", "))
                + ")");
      }
    }
  }
}
