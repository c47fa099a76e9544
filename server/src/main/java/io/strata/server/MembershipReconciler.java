package io.strata.server;

import io.strata.api.etcdserverpb.Member;
import io.strata.raft.RaftNode;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, brings jraft's voting configuration in line with the member records, one change
 * at a time: peers no longer in the records are removed first, then new members are added. A new
 * member counts towards the quorum only once jraft has caught it up, so adding a member that has
 * not started yet never weakens the cluster. To remove itself, the leader first hands leadership
 * to another member, whose reconciler then does the removal.
 *
 * <p>Threading: runs on the timer; {@link #poke()} may be called from any thread.
 */
final class MembershipReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipReconciler.class);
  private static final long PERIOD_MS = 250;

  private final RaftNode raft;
  private final Backend backend;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean changeInFlight = new AtomicBoolean();
  private volatile String lastProblem;
  private volatile boolean closed;

  MembershipReconciler(RaftNode raft, Backend backend, ScheduledExecutorService timer) {
    this.raft = raft;
    this.backend = backend;
    this.timer = timer;
  }

  void start() {
    timer.scheduleWithFixedDelay(this::reconcile, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  /** Reconcile soon (a membership record changed). */
  void poke() {
    if (!closed) {
      timer.execute(this::reconcile);
    }
  }

  private void reconcile() {
    if (closed || !raft.isLeader() || changeInFlight.get()) {
      return;
    }
    Set<String> desired = new LinkedHashSet<>();
    try (ReadView view = backend.readView()) {
      for (Member member : view.members()) {
        desired.add(InitialCluster.peerAddress(member.getPeerURLs(0)));
      }
    }
    List<String> actual = raft.peers();
    if (desired.isEmpty()) {
      return; // a store without member records (cannot happen after bootstrap): never empty the cluster
    }
    List<String> toRemove = new ArrayList<>(actual);
    toRemove.removeAll(desired);
    List<String> toAdd = new ArrayList<>(desired);
    toAdd.removeAll(actual);
    if (!toRemove.isEmpty()) {
      String peer = toRemove.get(0);
      if (peer.equals(raft.self())) {
        handOff(desired);
        return;
      }
      change("remove", peer, done -> raft.removePeer(peer, done));
    } else if (!toAdd.isEmpty()) {
      String peer = toAdd.get(0);
      change("add", peer, done -> raft.addPeer(peer, done));
    }
  }

  private void handOff(Set<String> desired) {
    for (String peer : desired) {
      if (raft.transferLeadershipTo(peer)) {
        LOG.info("handing leadership to {} before this member is removed", peer);
        return;
      }
    }
  }

  private void change(String action, String peer, java.util.function.Consumer<java.util.function.Consumer<String>> call) {
    if (!changeInFlight.compareAndSet(false, true)) {
      return;
    }
    call.accept(problem -> {
      changeInFlight.set(false);
      if (problem == null) {
        lastProblem = null;
        LOG.info("configuration change done: {} {}", action, peer);
        poke();
      } else if (!problem.equals(lastProblem)) {
        // Typically a new member that has not started yet: retried on the next round.
        lastProblem = problem;
        LOG.info("configuration change {} {} not done yet: {}", action, peer, problem);
      }
    });
  }

  @Override
  public void close() {
    closed = true;
  }
}
