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
 * On the leader, brings jraft's configuration in line with the member records, one change at a
 * time, in this order:
 * <ol>
 *   <li>voters no longer in the records are removed;</li>
 *   <li>learners that are no longer learners in the records (removed, or promoted) are removed;</li>
 *   <li>new learners are added (jraft adds them at once: they never count towards a quorum);</li>
 *   <li>new voters, and promoted learners, are added as voters.</li>
 * </ol>
 * A promotion is thus a learner removal followed by a voter addition: jraft has no atomic
 * learner-to-voter move that also turns the leader's learner replicator into a voting one. A new
 * voter counts towards the quorum only once jraft has caught it up, so adding a member that has
 * not started yet never weakens the cluster. To remove itself, the leader first hands leadership
 * to another voter, whose reconciler then does the removal.
 *
 * <p>Worked example, promoting learner L in {A,B,C | learners L}: records say L is a voter;
 * step 2 gives {A,B,C}; step 4 gives {A,B,C,L} once jraft has caught L up (L keeps its log and
 * data in between, so this is quick).
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
    Set<String> desiredLearners = new LinkedHashSet<>();
    try (ReadView view = backend.readView()) {
      for (Member member : view.members()) {
        String peer = InitialCluster.peerAddress(member.getPeerURLs(0));
        (member.getIsLearner() ? desiredLearners : desired).add(peer);
      }
    }
    List<String> actual = raft.peers();
    List<String> actualLearners = raft.learners();
    if (desired.isEmpty()) {
      return; // a store without voting member records (cannot happen after bootstrap): never empty the cluster
    }
    List<String> toRemove = new ArrayList<>(actual);
    toRemove.removeAll(desired);
    List<String> learnersToRemove = new ArrayList<>(actualLearners);
    learnersToRemove.removeAll(desiredLearners);
    List<String> learnersToAdd = new ArrayList<>(desiredLearners);
    learnersToAdd.removeAll(actualLearners);
    learnersToAdd.removeAll(actual);
    List<String> toAdd = new ArrayList<>(desired);
    toAdd.removeAll(actual);
    toAdd.removeAll(actualLearners); // a promoted learner is first removed as a learner
    if (!toRemove.isEmpty()) {
      String peer = toRemove.get(0);
      if (peer.equals(raft.self())) {
        handOff(desired);
        return;
      }
      change("remove", peer, done -> raft.removePeer(peer, done));
    } else if (!learnersToRemove.isEmpty()) {
      String peer = learnersToRemove.get(0);
      change("remove learner", peer, done -> raft.removeLearner(peer, done));
    } else if (!learnersToAdd.isEmpty()) {
      String peer = learnersToAdd.get(0);
      change("add learner", peer, done -> raft.addLearner(peer, done));
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
