package io.strata.server;

import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.raftpb.Entry;
import io.strata.raft.RaftNode;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's safety checks for membership changes, made before it proposes the entry because
 * only the leader knows which peers are alive and how far each has replicated:
 * <ul>
 *   <li>removal (etcd's strict reconfiguration check): a member may be removed only if the voters
 *       left, counting only those the leader hears from, still form a quorum of the smaller
 *       cluster; the last voter cannot be removed;</li>
 *   <li>promotion (etcd's {@code isLearnerReady}): a learner is promoted only once the log the
 *       leader has replicated to it reaches {@link #READY_FRACTION} of the leader's own log.
 *       Whether the member exists and is a learner is apply's answer, from the records.</li>
 * </ul>
 *
 * <p>Threading: any thread (reads only).
 */
final class MembershipGuard implements Proposer.LeaderCheck {
  /** etcd's {@code readyPercent}: how much of the leader's log a learner must hold to be promoted. */
  static final double READY_FRACTION = 0.9;

  private final RaftNode raft;
  private final Backend backend;

  MembershipGuard(RaftNode raft, Backend backend) {
    this.raft = raft;
    this.backend = backend;
  }

  @Override
  public StatusRuntimeException refuse(Entry entry) {
    if (entry.hasMemberPromote()) {
      return refusePromote(entry.getMemberPromote().getMemberId());
    }
    if (!entry.hasMemberRemove()) {
      return null;
    }
    Member member = member(entry.getMemberRemove().getMemberId());
    if (member == null || member.getIsLearner()) {
      return null; // apply answers "member not found"; a learner never counts towards a quorum
    }
    String removed = InitialCluster.peerAddress(member.getPeerURLs(0));
    List<String> voters = new ArrayList<>(raft.peers());
    voters.remove(removed);
    if (voters.isEmpty()) {
      return EtcdErrors.NOT_ENOUGH_STARTED_MEMBERS;
    }
    List<String> alive = new ArrayList<>(raft.alivePeers());
    alive.retainAll(voters);
    return alive.size() >= voters.size() / 2 + 1 ? null : EtcdErrors.NOT_ENOUGH_STARTED_MEMBERS;
  }

  private StatusRuntimeException refusePromote(long memberId) {
    Member member = member(memberId);
    if (member == null || !member.getIsLearner()) {
      return null; // apply answers "member not found" / "can only promote a learner member"
    }
    String peer = InitialCluster.peerAddress(member.getPeerURLs(0));
    // Until the reconciler has made it a jraft learner, nothing is replicated to it.
    long matched = raft.learners().contains(peer) ? raft.matchIndex(peer) : -1;
    return inSync(matched, raft.lastLogIndex()) ? null : EtcdErrors.LEARNER_NOT_READY;
  }

  /** etcd's rule: a learner that has {@code matched} of the leader's {@code leaderLast} entries is in sync. */
  static boolean inSync(long matched, long leaderLast) {
    return matched >= 0 && matched >= leaderLast * READY_FRACTION;
  }

  private Member member(long memberId) {
    try (ReadView view = backend.readView()) {
      for (Member member : view.members()) {
        if (member.getID() == memberId) {
          return member;
        }
      }
    }
    return null;
  }
}
