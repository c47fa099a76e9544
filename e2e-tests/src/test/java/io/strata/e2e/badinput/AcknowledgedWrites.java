package io.strata.e2e.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.Member;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The writes a cluster acknowledged during a test, and the check every bad-input case ends with:
 * each running member still answers Status with a leader, takes a put and serves it back through
 * a linearizable get, and every acknowledged key is still there with its value on every member.
 */
final class AcknowledgedWrites {
  private final Cluster cluster;
  private final String prefix;
  private final Map<String, String> acknowledged = new LinkedHashMap<>();

  AcknowledgedWrites(Cluster cluster, String prefix) {
    this.cluster = cluster;
    this.prefix = prefix;
  }

  /** Puts {@code count} new keys through {@code member}; each one counts once the put returned. */
  void writeThrough(Member member, int count) {
    for (int i = 0; i < count; i++) {
      String key = prefix + String.format("%06d", acknowledged.size());
      String value = "v" + acknowledged.size() + "-via-" + member.name();
      cluster.grpc(member).put(key, value);
      acknowledged.put(key, value);
    }
  }

  void assertEveryMemberServesAndLostNothing() {
    for (Member member : cluster.runningMembers()) {
      assertThat(cluster.grpc(member).status().getLeader())
          .as("%s answers Status with a leader", member.name()).isNotZero();
      writeThrough(member, 1);
      String last = acknowledged.keySet().stream().reduce((a, b) -> b).orElseThrow();
      assertThat(cluster.grpc(member).get(last, false))
          .as("a linearizable get through %s of the put it just took", member.name())
          .isEqualTo(acknowledged.get(last));
    }
    for (Member member : cluster.runningMembers()) {
      assertThat(cluster.grpc(member).getPrefix(prefix, false))
          .as("every acknowledged write, read linearizably through %s", member.name())
          .containsExactlyEntriesOf(acknowledged);
    }
  }
}
