package io.strata.robustness.checker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The checker as a library: layer 1 ({@link RevisionChecker}) first; layer 2 ({@link
 * LinearizabilitySearch}) when layer 1 had to guess, or always with {@code doubleCheck}.
 *
 * <ul>
 *   <li>Layer 1 found violations without guessing: {@link Outcome#VIOLATION}.
 *   <li>Layer 1 guessed: its KV violations are dropped and layer 2 decides the KV ops (ILLEGAL is
 *       a violation, UNKNOWN is {@link Outcome#UNKNOWN}); watch violations against a guessed log
 *       cannot be trusted either way, so they make the verdict UNKNOWN.
 * </ul>
 *
 * <p>Threading: a function of its input; the clock only bounds layer 2.
 */
public final class HistoryChecker {

  public enum Outcome { OK, VIOLATION, UNKNOWN }

  public record Verdict(Outcome outcome, List<Violation> violations, List<String> notes) {
    public boolean ok() {
      return outcome == Outcome.OK;
    }
  }

  private final Duration budget;
  private final Clock clock;
  private final boolean doubleCheck;

  public HistoryChecker(Duration budget, Clock clock, boolean doubleCheck) {
    this.budget = budget;
    this.clock = clock;
    this.doubleCheck = doubleCheck;
  }

  public Verdict check(History h) {
    RevisionChecker.Result l1 = RevisionChecker.check(h);
    List<String> notes = new ArrayList<>(l1.notes());
    if (!l1.guessed() && !doubleCheck) {
      return new Verdict(l1.ok() ? Outcome.OK : Outcome.VIOLATION, l1.violations(), notes);
    }
    LinearizabilitySearch.Result l2 = LinearizabilitySearch.check(h, budget, clock);
    notes.add("layer 2: " + l2.verdict() + " after " + l2.explored() + " steps, at most "
        + l2.linearizedMost() + " of " + l2.operations() + " ops linearized");
    List<Violation> violations = new ArrayList<>();
    if (!l1.guessed()) {
      violations.addAll(l1.violations());
    }
    if (l2.verdict() == LinearizabilitySearch.Verdict.ILLEGAL) {
      violations.add(new Violation("not-linearizable", "no order of the " + l2.operations()
          + " ops is legal for the KV model; the longest legal prefix has "
          + l2.linearizedMost() + " ops"));
    }
    if (!violations.isEmpty()) {
      return new Verdict(Outcome.VIOLATION, violations, notes);
    }
    boolean watchDoubt = l1.guessed()
        && l1.violations().stream().anyMatch(v -> v.rule().startsWith("watch-"));
    if (l2.verdict() == LinearizabilitySearch.Verdict.UNKNOWN || watchDoubt) {
      return new Verdict(Outcome.UNKNOWN, List.of(), notes);
    }
    return new Verdict(Outcome.OK, List.of(), notes);
  }
}
