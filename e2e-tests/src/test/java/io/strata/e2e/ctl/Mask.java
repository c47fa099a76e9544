package io.strata.e2e.ctl;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A value that legitimately differs between two runs of the same command (a timing, a TTL that
 * ticked, a raft index moved by the member's own entries), replaced by {@code <masked>} before
 * outputs are compared. Each constant says why its values differ. In a {@code -w table} printout a
 * masked cell can change the column's width, so there the masks also collapse runs of spaces and
 * dashes: the table's cells are still compared, its widths only where nothing is masked. Immutable.
 */
enum Mask {
  /** Nothing differs: the outputs must be byte-identical. */
  NONE(),
  /** endpoint health's {@code took}: how long the read took. */
  TOOK(
      Pattern.compile("(took = )\\S+"),
      Pattern.compile("(\"took\":\")[^\"]+"),
      Pattern.compile("(\\| +(?:true|false) \\| +)[0-9.]+[µnm]?s")),
  /**
   * endpoint status's raft index, applied index and database size: members append entries of their
   * own (cluster version, lease checkpoints) and the store compacts in the background.
   */
  STATUS_COUNTERS(
      Pattern.compile("(\"(?:raftIndex|raftAppliedIndex|dbSize|dbSizeInUse)\":)\\d+"),
      Pattern.compile("(, (?:true|false), (?:true|false), \\d+, )\\d+, \\d+"),
      Pattern.compile("(:\\d+, [0-9a-f]+, [0-9.]+, )[0-9.]+ [kMG]?B"),
      Pattern.compile("(\\| +[0-9.]+ \\| +)[0-9.]+ [kMG]?B"),
      Pattern.compile("(\\| +(?:true|false) \\| +(?:true|false) \\| +\\d+ \\| +)\\d+ \\| +\\d+")),
  /** lease timetolive's remaining seconds: one may tick between the two runs. */
  REMAINING_TTL(Pattern.compile("(remaining\\()\\d+"), Pattern.compile("(\"ttl\":)\\d+")),
  /**
   * Revisions of a write run twice from the same starting state: the second run's writes, and the
   * reset before it, come later in the history.
   */
  REVISIONS(Pattern.compile("(\"(?:revision|create_revision|mod_revision)\":)\\d+"));

  private final List<Pattern> patterns;

  Mask(Pattern... patterns) {
    this.patterns = List.of(patterns);
  }

  String apply(String text) {
    if (patterns.isEmpty()) {
      return text;
    }
    String masked = text;
    for (Pattern pattern : patterns) {
      masked = pattern.matcher(masked).replaceAll("$1<masked>");
    }
    if (masked.contains("+-") && !masked.equals(text)) {
      masked = masked.replaceAll("-+", "-").replaceAll(" +", " ");
    }
    return masked;
  }
}
