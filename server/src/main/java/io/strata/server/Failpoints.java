package io.strata.server;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deliberate bugs a member can be started with, named in the environment variable
 * {@code STRATA_FAILPOINTS} (comma-separated), as etcd's failpoints are named in
 * {@code GOFAIL_FAILPOINTS}. They exist so that the robustness suite can prove it catches a broken
 * server; no operator has a reason to set one, and the member logs an error at start when one is.
 *
 * <ul>
 *   <li>{@value #READS_WITHOUT_READ_INDEX}: linearizable reads skip the read-index barrier and
 *       serve the member's local state, so a lagging or partitioned member answers stale data.
 * </ul>
 */
public final class Failpoints {
  public static final String ENVIRONMENT_VARIABLE = "STRATA_FAILPOINTS";
  public static final String READS_WITHOUT_READ_INDEX = "reads-without-read-index";
  private static final Set<String> KNOWN = Set.of(READS_WITHOUT_READ_INDEX);
  private static final Logger LOG = LoggerFactory.getLogger(Failpoints.class);

  private final Set<String> active;

  Failpoints(Set<String> active) {
    for (String name : active) {
      if (!KNOWN.contains(name)) {
        throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + " names an unknown failpoint '"
            + name + "'; known: " + KNOWN);
      }
    }
    this.active = Set.copyOf(active);
  }

  /** The failpoints of {@code value} (the environment variable's value; null or blank: none). */
  static Failpoints parse(String value) {
    if (value == null || value.isBlank()) {
      return new Failpoints(Set.of());
    }
    return new Failpoints(Arrays.stream(value.split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).collect(Collectors.toSet()));
  }

  static Failpoints fromEnvironment() {
    Failpoints f = parse(System.getenv(ENVIRONMENT_VARIABLE));
    if (!f.active.isEmpty()) {
      LOG.error("failpoints active ({}={}): this member is deliberately broken", ENVIRONMENT_VARIABLE,
          f.active);
    }
    return f;
  }

  boolean readsWithoutReadIndex() {
    return active.contains(READS_WITHOUT_READ_INDEX);
  }
}
