package io.strata.e2e.harness;

import io.strata.api.etcdserverpb.MoveLeaderRequest;
import java.time.Duration;

/** Puts leadership where a test wants it, with etcd's MoveLeader. */
public final class Leadership {
  private Leadership() {}

  /** Makes {@code target} the leader (MoveLeader sent to the current leader) and waits until all agree. */
  public static void moveTo(Cluster cluster, Member target, Duration timeout) {
    long targetId = cluster.grpc(target).status().getHeader().getMemberId();
    cluster.waitFor(target.name() + " to lead", timeout, () -> {
      Member leader = cluster.leader();
      if (leader.equals(target)) {
        return true;
      }
      cluster.grpc(leader).maintenance(Duration.ofSeconds(5))
          .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(targetId).build());
      return cluster.leader().equals(target) ? true : null;
    });
  }

  /** Makes some member other than {@code member} the leader, if {@code member} leads now. */
  public static void moveAwayFrom(Cluster cluster, Member member, Duration timeout) {
    Member leader = cluster.awaitLeader(timeout);
    if (leader.equals(member)) {
      Member other = cluster.members().stream().filter(m -> !m.equals(member)).findFirst()
          .orElseThrow(() -> new IllegalStateException("no other member to lead"));
      moveTo(cluster, other, timeout);
    }
  }
}
