package io.strata.api.version;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Strata version, MAJOR.MINOR: the unit in which storage, the wire and the replicated log
 * change (patch releases change none of them). Ordered by major, then minor.
 */
public record Version(int major, int minor) implements Comparable<Version> {
  private static final Pattern FORMAT = Pattern.compile("(\\d+)\\.(\\d+)");

  public Version {
    if (major < 0 || minor < 0) {
      throw new IllegalArgumentException("negative version " + major + "." + minor);
    }
  }

  /** Parses exactly "X.Y". */
  public static Version parse(String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("wrong version format, expected \"X.Y\", got \"" + text + "\"");
    }
    return new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }


  /** The semver form etcd's wire messages carry ("1.2.0"). */
  public String wire() {
    return major + "." + minor + ".0";
  }

  public boolean isNewerThan(Version other) {
    return compareTo(other) > 0;
  }

  @Override
  public int compareTo(Version other) {
    int byMajor = Integer.compare(major, other.major);
    return byMajor != 0 ? byMajor : Integer.compare(minor, other.minor);
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
