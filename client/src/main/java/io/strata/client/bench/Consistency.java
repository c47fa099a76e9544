package io.strata.client.bench;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The consistency of a {@code range} request, spelled as etcd's benchmark tool spells it:
 * {@code l} (linearizable, the default) or {@code s} (serializable, {@code
 * RangeRequest.serializable = true}, answered from the member's local state). Immutable.
 */
public enum Consistency {
  LINEARIZABLE("l"),
  SERIALIZABLE("s");

  private final String shortName;

  Consistency(String shortName) {
    this.shortName = shortName;
  }

  public String displayName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code l}, {@code s}, {@code linearizable} or {@code serializable}, ignoring case.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Consistency parse(String text) {
    String normalized = text.trim().toLowerCase(Locale.ROOT);
    for (Consistency consistency : values()) {
      if (consistency.shortName.equals(normalized) || consistency.displayName().equals(normalized)) {
        return consistency;
      }
    }
    throw new IllegalArgumentException(
        "unknown consistency '" + text + "': expected l (linearizable) or s (serializable)");
  }

  /** Picocli adapter for {@link #parse}. Stateless. */
  static final class Converter implements ITypeConverter<Consistency> {
    @Override
    public Consistency convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
