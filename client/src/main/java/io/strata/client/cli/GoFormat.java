package io.strata.client.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;

/**
 * Values printed the way etcdctl (a Go program) prints them, so that outputs compare byte for
 * byte: Go's {@code time.Duration} and {@code %x} forms, go-humanize's byte sizes, and the
 * messages of Go's {@code strconv} parse errors. Stateless.
 */
final class GoFormat {

  private GoFormat() {}

  /**
   * A byte count as go-humanize's {@code Bytes} prints it (SI units, one decimal below 10):
   * {@code 9 B}, {@code 20 kB} (for 20480), {@code 1.5 MB}.
   */
  static String bytes(long size) {
    if (size >= 0 && size < 10) {
      return size + " B";
    }
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double value = unsignedToDouble(size);
    int exponent = (int) Math.floor(Math.log(value) / Math.log(1000));
    double scaled = Math.floor(value / Math.pow(1000, exponent) * 10 + 0.5) / 10;
    String number = fixed(scaled, scaled < 10 ? 1 : 0);
    return number + " " + units[exponent];
  }

  /**
   * {@code value} with {@code decimals} digits after the point, rounded as Go's {@code %.Nf}
   * rounds: the exact binary value, ties to even (Java's {@code %f} rounds ties up).
   */
  static String fixed(double value, int decimals) {
    return new BigDecimal(value).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
  }

  /** A duration as Go's {@code time.Duration.String()}: {@code 850µs}, {@code 2.659318ms}, {@code 1m0.5s}. */
  static String duration(Duration duration) {
    long nanos = duration.toNanos();
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long abs = Math.abs(nanos);
    if (abs < 1_000) {
      return sign + abs + "ns";
    }
    if (abs < 1_000_000) {
      return sign + fraction(abs, 3) + "µs";
    }
    if (abs < 1_000_000_000) {
      return sign + fraction(abs, 6) + "ms";
    }
    long hours = abs / 3_600_000_000_000L;
    long minutes = abs / 60_000_000_000L % 60;
    long secondNanos = abs % 60_000_000_000L;
    StringBuilder text = new StringBuilder(sign);
    if (hours > 0) {
      text.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      text.append(minutes).append('m');
    }
    return text.append(fraction(secondNanos, 9)).append('s').toString();
  }

  /** {@code value / 10^digits} with the fraction's trailing zeros (and a bare point) dropped. */
  private static String fraction(long value, int digits) {
    long unit = (long) Math.pow(10, digits);
    String whole = Long.toString(value / unit);
    String frac = String.format("%0" + digits + "d", value % unit).replaceFirst("0+$", "");
    return frac.isEmpty() ? whole : whole + "." + frac;
  }

  /** Go's {@code %016x} of an int64 (lease ids): zero-padded lowercase hex, sign first. */
  static String hex16(long value) {
    if (value < 0) {
      String digits = Long.toHexString(-value);
      return "-" + "0".repeat(Math.max(0, 15 - digits.length())) + digits;
    }
    String digits = Long.toHexString(value);
    return "0".repeat(Math.max(0, 16 - digits.length())) + digits;
  }

  /** Go's {@code %16x} of a uint64 (member ids in member add/remove/update): space-padded. */
  static String paddedHex(long value) {
    String digits = Long.toUnsignedString(value, 16);
    return " ".repeat(Math.max(0, 16 - digits.length())) + digits;
  }

  /** Go's {@code %x} of a uint64: lowercase hex, no padding. */
  static String hex(long value) {
    return Long.toUnsignedString(value, 16);
  }

  /** Go's {@code %v} of a {@code []string}: {@code [a b c]}. */
  static String list(List<String> values) {
    return "[" + String.join(" ", values) + "]";
  }

  /** Go's {@code %q} of an ASCII-printable string; others escaped as Go escapes them. */
  static String quote(String value) {
    StringBuilder quoted = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        case '\n' -> quoted.append("\\n");
        case '\t' -> quoted.append("\\t");
        case '\r' -> quoted.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            quoted.append(String.format("\\x%02x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }

  /**
   * Go's {@code strconv.ParseInt(text, base, 64)}.
   *
   * @throws NumberFormatException with Go's message, e.g. {@code strconv.ParseInt: parsing "zz":
   *     invalid syntax}
   */
  static long parseInt(String text, int base) {
    String digits = text.startsWith("+") || text.startsWith("-") ? text.substring(1) : text;
    if (digits.isEmpty() || !digits.chars().allMatch(c -> Character.digit(c, base) >= 0)) {
      throw new NumberFormatException(parseError("ParseInt", text, "invalid syntax"));
    }
    try {
      return Long.parseLong(text.startsWith("+") ? digits : text, base);
    } catch (NumberFormatException e) {
      throw new NumberFormatException(parseError("ParseInt", text, "value out of range"));
    }
  }

  /** Go's {@code strconv.ParseUint(text, base, 64)}, with Go's messages. */
  static long parseUint(String text, int base) {
    if (text.isEmpty() || !text.chars().allMatch(c -> Character.digit(c, base) >= 0)) {
      throw new NumberFormatException(parseError("ParseUint", text, "invalid syntax"));
    }
    try {
      return Long.parseUnsignedLong(text, base);
    } catch (NumberFormatException e) {
      throw new NumberFormatException(parseError("ParseUint", text, "value out of range"));
    }
  }

  private static String parseError(String function, String text, String why) {
    return "strconv." + function + ": parsing " + quote(text) + ": " + why;
  }

  private static double unsignedToDouble(long value) {
    return value >= 0 ? value : (double) (value >>> 1) * 2.0;
  }
}
