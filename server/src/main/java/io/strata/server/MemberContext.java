package io.strata.server;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.raft.RaftNode;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Who this member is and how it fills etcd's response headers. Immutable identity plus live
 * views of Raft and the store; thread-safe.
 */
public final class MemberContext {
  private final long clusterId;
  private final long memberId;
  private final RaftNode raft;
  private final Backend backend;
  private final BooleanSupplier learner;

  MemberContext(long clusterId, long memberId, RaftNode raft, Backend backend, BooleanSupplier learner) {
    this.learner = learner;
    this.clusterId = clusterId;
    this.memberId = memberId;
    this.raft = raft;
    this.backend = backend;
  }

  public long clusterId() {
    return clusterId;
  }

  public long memberId() {
    return memberId;
  }

  public RaftNode raft() {
    return raft;
  }

  public Backend backend() {
    return backend;
  }

  /** Whether this member is a learner (a non-voting member, since 1.1), as last applied. */
  public boolean isLearner() {
    return learner.getAsBoolean();
  }

  /** {@code header} with this member's cluster id, member id and Raft term filled in. */
  public ResponseHeader fill(ResponseHeader header) {
    return header.toBuilder()
        .setClusterId(clusterId)
        .setMemberId(memberId)
        .setRaftTerm(raft.term())
        .build();
  }

  public ResponseHeader header(long revision) {
    return fill(ResponseHeader.newBuilder().setRevision(revision).build());
  }

  /** The member id of the current leader, or 0 when there is none. */
  public long leaderId() {
    String leader = raft.leader();
    if (leader == null) {
      return 0;
    }
    try (ReadView view = backend.readView()) {
      return memberIdOfPeer(view.members(), leader);
    }
  }

  public static long memberIdOfPeer(List<Member> members, String peerAddress) {
    for (Member member : members) {
      for (String url : member.getPeerURLsList()) {
        if (InitialCluster.peerAddress(url).equals(peerAddress)) {
          return member.getID();
        }
      }
    }
    return 0;
  }
}
