package io.strata.server;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.MemberAddResponse;
import io.strata.api.etcdserverpb.MemberPromoteResponse;
import io.strata.api.etcdserverpb.MemberRemoveResponse;
import io.strata.api.etcdserverpb.MemberUpdateResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.MemberAttributes;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies membership changes to the member records. The records are the cluster's intended
 * membership; the leader's {@link MembershipReconciler} then changes jraft's configuration to
 * match, one peer at a time. A member that applies its own removal stops, as etcd's does.
 *
 * <p>Learners (since 1.1) are members with {@code isLearner} set: at most {@link #MAX_LEARNERS}
 * at a time (etcd's {@code --max-learners} default), and only a learner can be promoted. Whether
 * a learner has caught up is the leader's business ({@link MembershipGuard}), never apply's. The
 * cluster version gates who may propose a learner ({@link ClusterService}); an entry that made it
 * into the log is applied whatever the version.
 *
 * <p>Threading: apply thread; {@link #selfIsLearner()} from any thread.
 */
final class MembershipApplier implements CommandApplier, CommitListener {
  /** etcd's default {@code --max-learners}; a constant here, so every member applies the same limit. */
  static final int MAX_LEARNERS = 1;

  private final long selfId;
  private final Backend backend;
  private final Runnable onSelfRemoved;
  private final Runnable onChange;
  private boolean removedSelf;
  private boolean changed;
  private volatile boolean selfIsLearner;

  MembershipApplier(long selfId, Backend backend, Runnable onSelfRemoved, Runnable onChange) {
    this.selfId = selfId;
    this.backend = backend;
    this.onSelfRemoved = onSelfRemoved;
    this.onChange = onChange;
    reloadSelf();
  }

  /** Whether this member is a learner, as of its last committed batch (etcd's {@code IsLearner}). */
  boolean selfIsLearner() {
    return selfIsLearner;
  }

  private void reloadSelf() {
    try (ReadView view = backend.readView()) {
      selfIsLearner = view.members().stream().anyMatch(m -> m.getID() == selfId && m.getIsLearner());
    }
  }

  @Override
  public ApplyResult apply(Entry entry, long index, StoreBatch batch) {
    return switch (entry.getCommandCase()) {
      case MEMBER_ADD -> add(batch, entry.getMemberAdd().getMember());
      case MEMBER_REMOVE -> remove(batch, entry.getMemberRemove().getMemberId());
      case MEMBER_UPDATE -> update(batch, entry.getMemberUpdate().getMemberId(),
          entry.getMemberUpdate().getPeerUrlsList());
      case MEMBER_PROMOTE -> promote(batch, entry.getMemberPromote().getMemberId());
      case MEMBER_ATTRIBUTES -> publish(batch, entry.getMemberAttributes());
      default -> throw new IllegalArgumentException("not a membership command: " + entry.getCommandCase());
    };
  }

  private ApplyResult add(StoreBatch batch, Member member) {
    if (peerUrlsTaken(batch, null, member.getPeerURLsList())) {
      return EtcdErrors.result(EtcdErrors.PEER_URL_EXIST);
    }
    if (batch.member(member.getID()) != null) {
      return EtcdErrors.result(EtcdErrors.MEMBER_EXIST);
    }
    if (member.getIsLearner() && batch.members().stream().filter(Member::getIsLearner).count() >= MAX_LEARNERS) {
      return EtcdErrors.result(EtcdErrors.TOO_MANY_LEARNERS);
    }
    batch.putMember(member);
    changed = true;
    return ApplyResult.newBuilder().setMemberAdd(MemberAddResponse.newBuilder()
        .setHeader(ResponseHeader.getDefaultInstance())
        .setMember(member)
        .addAllMembers(batch.members())).build();
  }

  /** A learner becomes a voter: its record loses the flag; the reconciler moves it in jraft. */
  private ApplyResult promote(StoreBatch batch, long memberId) {
    Member member = batch.member(memberId);
    if (member == null) {
      return EtcdErrors.result(EtcdErrors.MEMBER_NOT_FOUND);
    }
    if (!member.getIsLearner()) {
      return EtcdErrors.result(EtcdErrors.MEMBER_NOT_LEARNER);
    }
    batch.putMember(member.toBuilder().setIsLearner(false).build());
    changed = true;
    return ApplyResult.newBuilder().setMemberPromote(MemberPromoteResponse.newBuilder()
        .setHeader(ResponseHeader.getDefaultInstance())
        .addAllMembers(batch.members())).build();
  }

  private ApplyResult remove(StoreBatch batch, long memberId) {
    if (batch.member(memberId) == null) {
      return EtcdErrors.result(EtcdErrors.MEMBER_NOT_FOUND);
    }
    batch.deleteMember(memberId);
    changed = true;
    removedSelf |= memberId == selfId;
    return ApplyResult.newBuilder().setMemberRemove(MemberRemoveResponse.newBuilder()
        .setHeader(ResponseHeader.getDefaultInstance())
        .addAllMembers(batch.members())).build();
  }

  private ApplyResult update(StoreBatch batch, long memberId, List<String> peerUrls) {
    Member member = batch.member(memberId);
    if (member == null) {
      return EtcdErrors.result(EtcdErrors.MEMBER_NOT_FOUND);
    }
    if (peerUrlsTaken(batch, memberId, peerUrls)) {
      return EtcdErrors.result(EtcdErrors.PEER_URL_EXIST);
    }
    batch.putMember(member.toBuilder().clearPeerURLs().addAllPeerURLs(peerUrls).build());
    changed = true;
    return ApplyResult.newBuilder().setMemberUpdate(MemberUpdateResponse.newBuilder()
        .setHeader(ResponseHeader.getDefaultInstance())
        .addAllMembers(batch.members())).build();
  }

  /** A started member's name and client URLs (etcd's publish); unknown members are ignored. */
  private static ApplyResult publish(StoreBatch batch, MemberAttributes attributes) {
    Member member = batch.member(attributes.getMemberId());
    if (member != null) {
      batch.putMember(member.toBuilder()
          .setName(attributes.getName())
          .clearClientURLs()
          .addAllClientURLs(attributes.getClientUrlsList())
          .build());
    }
    return ApplyResult.getDefaultInstance();
  }

  /** True when a member other than {@code exceptId} (null: any member) uses one of {@code peerUrls}. */
  private static boolean peerUrlsTaken(StoreBatch batch, Long exceptId, List<String> peerUrls) {
    for (Member other : batch.members()) {
      boolean excepted = exceptId != null && other.getID() == exceptId;
      if (!excepted && other.getPeerURLsList().stream().anyMatch(peerUrls::contains)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    if (changed) {
      changed = false;
      reloadSelf();
      onChange.run();
    }
    if (removedSelf) {
      removedSelf = false;
      onSelfRemoved.run();
    }
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    reloadSelf();
    onChange.run();
  }

  /** The member records of a committed store, sorted by id as etcd lists them. */
  static List<Member> sortedMembers(ReadView view) {
    List<Member> members = new ArrayList<>(view.members());
    members.sort((a, b) -> Long.compareUnsigned(a.getID(), b.getID()));
    return members;
  }
}
