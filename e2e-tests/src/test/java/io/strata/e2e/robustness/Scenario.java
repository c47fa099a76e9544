package io.strata.e2e.robustness;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A robustness scenario: a 3-member cluster, random traffic, one fault in the middle.
 *
 * @param name what {@code -Drobustness.scenarios} calls it
 * @param fault a new fault for each run (faults remember their victim between inject and heal)
 * @param inCi whether CI's bounded subset ({@code robustness.scenarios=ci}) runs it
 * @param failpoints {@code STRATA_FAILPOINTS} of every member: a deliberately broken server
 * @param expectViolation the checker must find a violation (the suite's proof that it can fail)
 */
record Scenario(String name, Supplier<Fault> fault, boolean inCi, String failpoints,
    boolean expectViolation) {

  /** How long a fault lasts, unless it is a sequence of steps (the version faults). */
  static final Duration FAULT_LENGTH = Duration.ofSeconds(4);

  static final List<Scenario> ALL = List.of(
      ok("kill-leader", () -> Faults.kill(true, FAULT_LENGTH), true),
      ok("kill-follower", () -> Faults.kill(false, FAULT_LENGTH), false),
      ok("kill-all", () -> Faults.killAll(Duration.ofSeconds(2)), false),
      ok("pause-leader", () -> Faults.pause(true, FAULT_LENGTH), false),
      ok("pause-follower", () -> Faults.pause(false, FAULT_LENGTH), false),
      ok("isolate-leader", () -> Faults.isolate(true, FAULT_LENGTH), true),
      ok("isolate-follower", () -> Faults.isolate(false, FAULT_LENGTH), false),
      ok("one-way-from-leader", () -> Faults.oneWayFromLeader(FAULT_LENGTH), false),
      ok("lossy-leader", () -> Faults.lossyLeader(FAULT_LENGTH.multipliedBy(2)), false),
      ok("slow-peers", () -> Faults.slowPeers(Duration.ofMillis(150), FAULT_LENGTH.multipliedBy(2)),
          false),
      ok("downgrade-cancel", Faults::downgradeThenCancel, false),
      ok("downgrade-and-upgrade", Faults::downgradeAndUpgrade, false),
      // Linearizable reads served without read-index: an isolated follower answers from its own
      // stale state. The checker must reject the history, or the suite proves nothing.
      new Scenario("broken-reads-without-read-index", () -> Faults.isolate(false, FAULT_LENGTH),
          true, "reads-without-read-index", true));

  private static Scenario ok(String name, Supplier<Fault> fault, boolean inCi) {
    return new Scenario(name, fault, inCi, null, false);
  }

  Map<String, String> environment() {
    return failpoints == null ? Map.of() : Map.of("STRATA_FAILPOINTS", failpoints);
  }

  /**
   * The scenarios {@code selection} names: "ci" (the bounded subset), "all", or a comma-separated
   * list of names (and "ci"/"all" among them).
   */
  static List<Scenario> select(String selection) {
    Set<Scenario> chosen = new LinkedHashSet<>();
    for (String word : selection.split(",")) {
      String w = word.trim();
      switch (w) {
        case "", "none" -> { }
        case "all" -> chosen.addAll(ALL);
        case "ci" -> ALL.stream().filter(Scenario::inCi).forEach(chosen::add);
        default -> chosen.add(ALL.stream().filter(s -> s.name().equals(w)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no robustness scenario '" + w
                + "'; known: ci, all, " + Arrays.toString(ALL.stream().map(Scenario::name).toArray()))));
      }
    }
    return List.copyOf(chosen);
  }

  @Override
  public String toString() {
    return name;
  }
}
