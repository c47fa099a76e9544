package io.strata.e2e.ctl;

import java.util.List;

/**
 * One command line run by etcdctl and by stratactl and compared. Immutable.
 *
 * @param args the command and its flags; {@code {lease}}, {@code {rev}}, {@code {member}} stand for
 *     values the scenario seeded
 * @param endpoints which endpoints to give: {@link Endpoints#ONE} or {@link Endpoints#ALL} (only
 *     for commands that ask every endpoint: with several, etcdctl's balancer sends other calls
 *     to any of them, and response headers name the member that answered)
 * @param stdin standard input, or null for none
 * @param setup etcdctl command lines run before each of the two runs, so a write starts from the
 *     same state both times (each a list of words)
 * @param mask what may differ between the two runs
 */
record CtlCase(
    List<String> args, Endpoints endpoints, String stdin, List<List<String>> setup, Mask mask) {

  enum Endpoints {
    ONE,
    ALL
  }

  static CtlCase of(String line) {
    return new CtlCase(words(line), Endpoints.ONE, null, List.of(), Mask.NONE);
  }

  CtlCase on(Endpoints which) {
    return new CtlCase(args, which, stdin, setup, mask);
  }

  CtlCase input(String text) {
    return new CtlCase(args, endpoints, text, setup, mask);
  }

  CtlCase masking(Mask what) {
    return new CtlCase(args, endpoints, stdin, setup, what);
  }

  /** A write: {@code lines} (separated by {@code ;}) restore the starting state before each run. */
  CtlCase after(String lines) {
    return new CtlCase(
        args,
        endpoints,
        stdin,
        java.util.Arrays.stream(lines.split(";")).map(String::strip).map(CtlCase::words).toList(),
        mask == Mask.NONE ? Mask.REVISIONS : mask);
  }

  /** Words split at spaces; {@code ^} inside a word stands for a space. */
  static List<String> words(String line) {
    return java.util.Arrays.stream(line.strip().split(" +"))
        .filter(word -> !word.isEmpty())
        .map(word -> word.replace('^', ' '))
        .toList();
  }

  @Override
  public String toString() {
    return String.join(" ", args) + (endpoints == Endpoints.ALL ? " (all endpoints)" : "")
        + (stdin == null ? "" : " < input");
  }
}
