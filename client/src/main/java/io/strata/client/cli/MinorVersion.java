package io.strata.client.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version cut to {@code major.minor}, the granularity of cluster versions and downgrades.
 * Immutable; orders by major, then minor.
 */
record MinorVersion(int major, int minor) implements Comparable<MinorVersion> {

  private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(\\.\\d+)?(-.*)?");

  /** {@code "1.2"}, {@code "1.2.0"} or {@code "1.2.0-rc.1"} as 1.2; anything else is empty. */
  static Optional<MinorVersion> parse(String text) {
    Matcher matcher = VERSION.matcher(text == null ? "" : text.trim());
    if (!matcher.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new MinorVersion(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public int compareTo(MinorVersion other) {
    return major != other.major
        ? Integer.compare(major, other.major)
        : Integer.compare(minor, other.minor);
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
