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
 * The leader's safety check for membership changes (etcd's strict reconfiguration check): a member
 * may be removed only if the members left, counting only those the leader hears from, still form
 * a quorum of the smaller cluster; the last member cannot be removed.
 *
 * <p>Threading: any thread (reads only).
 */
final class MembershipGuard implements Proposer.LeaderCheck {
  private final RaftNode raft;
  private final Backend backend;

  MembershipGuard(RaftNode raft, Backend backend) {
    this.raft = raft;
    this.backend = backend;
  }

  @Override
  public StatusRuntimeException refuse(Entry entry) {
    if (!entry.hasMemberRemove()) {
      return null;
    }
    String removed = null;
    try (ReadView view = backend.readView()) {
      for (Member member : view.members()) {
        if (member.getID() == entry.getMemberRemove().getMemberId()) {
          removed = InitialCluster.peerAddress(member.getPeerURLs(0));
        }
      }
    }
    if (removed == null) {
      return null; // apply answers "member not found"
    }
    List<String> voters = new ArrayList<>(raft.peers());
    voters.remove(removed);
    if (voters.isEmpty()) {
      return EtcdErrors.NOT_ENOUGH_STARTED_MEMBERS;
    }
    List<String> alive = new ArrayList<>(raft.alivePeers());
    alive.retainAll(voters);
    return alive.size() >= voters.size() / 2 + 1 ? null : EtcdErrors.NOT_ENOUGH_STARTED_MEMBERS;
  }
}
