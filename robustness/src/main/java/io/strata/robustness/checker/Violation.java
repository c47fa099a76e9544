package io.strata.robustness.checker;

/** One broken guarantee, named by its rule, with the op ids, revisions and values involved. */
public record Violation(String rule, String detail) {
  @Override
  public String toString() {
    return rule + ": " + detail;
  }
}
