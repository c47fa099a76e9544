package io.strata.e2e.robustness;

import static io.strata.e2e.harness.VersionWaits.awaitVersions;
import static io.strata.e2e.harness.VersionWaits.clusterVersion;
import static io.strata.e2e.harness.VersionWaits.downgradeState;
import static io.strata.e2e.harness.VersionWaits.storageVersion;

import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.version.DowngradeSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.concurrent.locks.LockSupport;

/**
 * The faults of the robustness scenarios. Each picks its victim when injected (the leader of that
 * moment, or a follower), so the same scenario hits whatever member leads in a given run.
 */
final class Faults {
  private static final Duration LEADER_WAIT = Duration.ofSeconds(30);

  private Faults() {}

  static Member leader(ProcessCluster cluster) {
    return cluster.awaitLeader(LEADER_WAIT);
  }

  static Member follower(ProcessCluster cluster) {
    Member leader = leader(cluster);
    return cluster.members().stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow();
  }

  /** Keeps a fault in place for {@code d}; the traffic runs meanwhile (this is the fault's length). */
  static void hold(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); left > 0; left = until - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /** SIGKILL of the leader or a follower, restarted on the same data dir after {@code down}. */
  static Fault kill(boolean leader, Duration down) {
    return onOneMember(leader, down, "kill -9", ProcessCluster::kill, ProcessCluster::start);
  }

  /**
   * SIGKILL of every member at once (a power loss of the whole cluster), all restarted together
   * after {@code down}: only what was synced survives, and every acknowledged write must.
   */
  static Fault killAll(Duration down) {
    return new Fault() {
      @Override
      public String inject(Target t) {
        t.cluster().members().forEach(t.cluster()::kill);
        hold(down);
        return "kill -9 of all 3 members, down " + down.toSeconds() + " s";
      }

      @Override
      public void heal(Target t) {
        t.cluster().startTogether(t.cluster().members());
      }

      @Override
      public boolean keepsMajority() {
        return false;
      }
    };
  }

  /** SIGSTOP of the leader or a follower for {@code paused}, then SIGCONT. */
  static Fault pause(boolean leader, Duration paused) {
    return onOneMember(leader, paused, "SIGSTOP", ProcessCluster::pause, ProcessCluster::resume);
  }

  /** {@code inject} on the leader or a follower, {@code heal} on it after {@code length}. */
  private static Fault onOneMember(boolean leader, Duration length, String what,
      BiConsumer<ProcessCluster, Member> inject, BiConsumer<ProcessCluster, Member> heal) {
    return new Fault() {
      private Member victim;

      @Override
      public String inject(Target t) {
        victim = leader ? leader(t.cluster()) : follower(t.cluster());
        inject.accept(t.cluster(), victim);
        hold(length);
        return what + " " + role(leader) + " " + victim.name() + " for " + length.toSeconds() + " s";
      }

      @Override
      public void heal(Target t) {
        heal.accept(t.cluster(), victim);
      }
    };
  }

  /** The leader or a follower cut from both its peers (clients still reach it) for {@code cut}. */
  static Fault isolate(boolean leader, Duration cut) {
    return new NetworkFault() {
      @Override
      public String inject(Target t) {
        Member victim = leader ? leader(t.cluster()) : follower(t.cluster());
        t.requireNetwork().isolate(victim);
        hold(cut);
        return "isolated " + role(leader) + " " + victim.name() + " from its peers for "
            + cut.toSeconds() + " s";
      }
    };
  }

  /** The leader's requests to one follower are dropped (the follower's requests still pass). */
  static Fault oneWayFromLeader(Duration cut) {
    return new NetworkFault() {
      @Override
      public String inject(Target t) {
        Member from = leader(t.cluster());
        Member to = follower(t.cluster());
        t.requireNetwork().blockRequests(from, to);
        hold(cut);
        return "dropped leader " + from.name() + "'s requests to " + to.name() + " for "
            + cut.toSeconds() + " s";
      }
    };
  }

  /** 30% of the leader's peer packets lost, both ways, for {@code lossy}. */
  static Fault lossyLeader(Duration lossy) {
    return new NetworkFault() {
      @Override
      public String inject(Target t) {
        Member victim = leader(t.cluster());
        t.requireNetwork().loseRandomly(victim, 0.3);
        hold(lossy);
        return "30% of leader " + victim.name() + "'s peer packets dropped for "
            + lossy.toSeconds() + " s";
      }
    };
  }

  /**
   * Every byte between peers delayed by {@code delay} (in the proxy in front of each member's peer
   * port, so a round trip takes at least twice that) for {@code length}.
   */
  static Fault slowPeers(Duration delay, Duration length) {
    return new Fault() {
      @Override
      public String inject(Target t) {
        t.cluster().members().forEach(m -> t.cluster().peerProxy(m).delay(delay));
        hold(length);
        return "every peer link delayed " + delay.toMillis() + " ms each way for "
            + length.toSeconds() + " s";
      }

      @Override
      public void heal(Target t) {
        t.cluster().members().forEach(m -> t.cluster().peerProxy(m).heal());
      }

      @Override
      public boolean needsPeerProxies() {
        return true;
      }
    };
  }

  /**
   * A version change under traffic: {@code Downgrade ENABLE 1.1}, one member restarted as 1.1
   * (the cluster version drops to 1.1), {@code CANCEL}; healing restarts that member as 1.2 and
   * waits until the cluster is back at 1.2.
   */
  static Fault downgradeThenCancel() {
    return new Fault() {
      private Member swapped;

      @Override
      public String inject(Target t) {
        ProcessCluster c = t.cluster();
        DowngradeSupport.downgrade(c, c.member(0), DowngradeAction.ENABLE, "1.1");
        awaitVersions(c, "downgrade to 1.1 enabled", clusterVersion("1.1"), downgradeState("enabled"));
        swapped = follower(c);
        DowngradeSupport.swap(c, swapped, "1.1");
        DowngradeSupport.downgrade(c, c.member(0), DowngradeAction.CANCEL, "");
        awaitVersions(c, "downgrade cancelled, one member at 1.1", clusterVersion("1.1"),
            downgradeState("cancelled"));
        return "downgrade 1.2 -> 1.1 enabled, " + swapped.name() + " restarted as 1.1, cancelled";
      }

      @Override
      public void heal(Target t) {
        DowngradeSupport.swap(t.cluster(), swapped, "1.2");
        awaitVersions(t.cluster(), "every member at 1.2 again", clusterVersion("1.2"),
            storageVersion("1.2"));
      }
    };
  }

  /**
   * A whole downgrade and upgrade under traffic: 1.2 -> 1.1 one member at a time (the followers
   * first, the leader last) until the downgrade completes and the storage is at 1.1, then each
   * member back to 1.2 (healing) until the cluster is at 1.2 again.
   */
  static Fault downgradeAndUpgrade() {
    return new Fault() {
      @Override
      public String inject(Target t) {
        ProcessCluster c = t.cluster();
        DowngradeSupport.downgrade(c, c.member(0), DowngradeAction.ENABLE, "1.1");
        awaitVersions(c, "downgrade to 1.1 enabled", clusterVersion("1.1"), downgradeState("enabled"));
        for (Member m : leaderLast(c)) {
          DowngradeSupport.swap(c, m, "1.1");
        }
        awaitVersions(c, "downgrade to 1.1 complete", clusterVersion("1.1"), storageVersion("1.1"),
            downgradeState("complete"));
        return "downgrade 1.2 -> 1.1 of every member, one at a time, completed";
      }

      @Override
      public void heal(Target t) {
        ProcessCluster c = t.cluster();
        for (Member m : leaderLast(c)) {
          DowngradeSupport.swap(c, m, "1.2");
        }
        awaitVersions(c, "every member at 1.2 again", clusterVersion("1.2"), storageVersion("1.2"));
      }
    };
  }

  private static List<Member> leaderLast(ProcessCluster c) {
    Member leader = leader(c);
    List<Member> order = new ArrayList<>(c.members().stream().filter(m -> !m.equals(leader)).toList());
    order.add(leader);
    return order;
  }

  private static String role(boolean leader) {
    return leader ? "leader" : "follower";
  }

  /** A fault of the peer network; healing removes every rule. */
  private abstract static class NetworkFault implements Fault {
    @Override
    public void heal(Target t) {
      t.requireNetwork().heal();
    }

    @Override
    public boolean needsNetwork() {
      return true;
    }
  }
}
