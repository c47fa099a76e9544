package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.MemberAdd;
import io.strata.api.raftpb.MemberPromote;
import io.strata.api.raftpb.MemberRemove;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Learner decisions of the membership applier against a real store: the same on every member. */
class MembershipApplierTest {
  private static final long SELF = 0x10;

  @TempDir Path dir;
  private Backend backend;
  private MembershipApplier applier;
  private final AtomicInteger changes = new AtomicInteger();
  private long index;

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
    try (StoreBatch batch = backend.beginBatch()) {
      batch.putMember(member(1, false));
      batch.commit();
    }
    applier = new MembershipApplier(SELF, backend, () -> { }, changes::incrementAndGet);
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void aLearnerIsAddedAndASecondOneIsRefusedAsEtcdsMaxLearnersDefault() {
    ApplyResult first = apply(add(member(2, true)));
    assertThat(first.getMemberAdd().getMember().getIsLearner()).isTrue();
    ApplyResult second = apply(add(member(3, true)));
    assertThat(second.getError().getMessage()).isEqualTo("etcdserver: too many learner members in cluster");
    ApplyResult voter = apply(add(member(3, false)));
    assertThat(voter.hasMemberAdd()).isTrue();
  }

  @Test
  void onlyAKnownLearnerCanBePromotedAndThenItIsAVoter() {
    apply(add(member(2, true)));
    assertThat(apply(promote(99)).getError().getMessage()).isEqualTo("etcdserver: member not found");
    assertThat(apply(promote(1)).getError().getMessage()).isEqualTo("etcdserver: can only promote a learner member");
    ApplyResult promoted = apply(promote(2));
    assertThat(promoted.getMemberPromote().getMembersList()).extracting(Member::getIsLearner).containsOnly(false);
    try (ReadView view = backend.readView()) {
      assertThat(view.members()).extracting(Member::getIsLearner).containsOnly(false);
    }
    assertThat(apply(promote(2)).getError().getMessage()).isEqualTo("etcdserver: can only promote a learner member");
    // With the learner promoted, there is room for another one.
    assertThat(apply(add(member(3, true))).hasMemberAdd()).isTrue();
  }

  @Test
  void thisMemberKnowsWhetherItIsALearnerFromTheCommittedRecords() {
    assertThat(applier.selfIsLearner()).isFalse();
    apply(add(member(SELF, true)));
    assertThat(applier.selfIsLearner()).isTrue();
    apply(promote(SELF));
    assertThat(applier.selfIsLearner()).isFalse();
    assertThat(changes.get()).isEqualTo(2);
  }

  @Test
  void removingALearnerMakesRoomForAnother() {
    apply(add(member(2, true)));
    apply(Entry.newBuilder().setMemberRemove(MemberRemove.newBuilder().setMemberId(2)));
    assertThat(apply(add(member(3, true))).hasMemberAdd()).isTrue();
  }

  @Test
  void aLearnerIsInSyncWithNinetyPercentOfTheLeadersLogAsInEtcd() {
    assertThat(MembershipGuard.inSync(90, 100)).isTrue();
    assertThat(MembershipGuard.inSync(89, 100)).isFalse();
    assertThat(MembershipGuard.inSync(0, 30)).isFalse();
    assertThat(MembershipGuard.inSync(-1, 0)).isFalse();
  }

  private static Member member(long id, boolean learner) {
    return Member.newBuilder().setID(id).addPeerURLs("http://127.0.0.1:" + (20000 + id)).setIsLearner(learner).build();
  }

  private static Entry.Builder add(Member member) {
    return Entry.newBuilder().setMemberAdd(MemberAdd.newBuilder().setMember(member));
  }

  private static Entry.Builder promote(long id) {
    return Entry.newBuilder().setMemberPromote(MemberPromote.newBuilder().setMemberId(id));
  }

  private ApplyResult apply(Entry.Builder entry) {
    try (StoreBatch batch = backend.beginBatch()) {
      ApplyResult result = applier.apply(entry.build(), ++index, batch);
      batch.setApplied(index, 1);
      batch.commit();
      applier.committed(batch.events(), batch.currentRevision(), index);
      return result;
    }
  }
}
