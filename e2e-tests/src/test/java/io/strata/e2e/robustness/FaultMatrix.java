package io.strata.e2e.robustness;

import java.util.List;

/**
 * Which cases of the disk fault tests run: {@code -Dstrata.e2e.faults=ci} (the default, what every
 * {@code mvn verify} and CI runs) picks a subset that still covers each kind of fault and each code
 * path once; {@code all} runs every combination ({@code scripts/fault-tests.sh}). The subset keeps
 * CI within its time budget on two cores; the full matrix is run before a release and recorded in
 * the README.
 *
 * <p>Threading: immutable; read once per JVM.
 */
final class FaultMatrix {
  static final String PROPERTY = "strata.e2e.faults";

  private FaultMatrix() {}

  static boolean full() {
    String matrix = System.getProperty(PROPERTY, "ci");
    return switch (matrix) {
      case "all" -> true;
      case "ci" -> false;
      default -> throw new IllegalArgumentException(
          "-D" + PROPERTY + " must be 'ci' or 'all', not '" + matrix + "'");
    };
  }

  /** {@code all} when the full matrix runs, else {@code ci}. */
  static <T> List<T> pick(List<T> ci, List<T> all) {
    return full() ? all : ci;
  }
}
