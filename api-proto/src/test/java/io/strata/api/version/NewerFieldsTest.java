package io.strata.api.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.MemberAdd;
import org.junit.jupiter.api.Test;

class NewerFieldsTest {
  @Test
  void aDowngradeClearsOnlyTheFieldsNewerThanTheTarget() {
    Member learner = Member.newBuilder().setID(7).setName("n4").addPeerURLs("http://a:1").setIsLearner(true).build();
    Member cleaned = NewerFields.clearNewerThan(learner, Version.parse("1.0"));
    assertThat(cleaned.getIsLearner()).isFalse();
    assertThat(cleaned.getName()).isEqualTo("n4");
    assertThat(cleaned.getPeerURLsList()).containsExactly("http://a:1");
    assertThat(MinimalVersion.of(cleaned)).isEqualTo(Version.parse("1.0"));
    assertThat(NewerFields.clearNewerThan(learner, Version.parse("1.1"))).isSameAs(learner);
  }

  @Test
  void nestedMessagesAreCleanedToo() {
    Entry entry = Entry.newBuilder().setMemberAdd(MemberAdd.newBuilder()
        .setMember(Member.newBuilder().setID(1).setIsLearner(true))).build();
    Entry cleaned = NewerFields.clearNewerThan(entry, Version.parse("1.0"));
    assertThat(cleaned.getMemberAdd().getMember().getIsLearner()).isFalse();
    assertThat(cleaned.getMemberAdd().getMember().getID()).isEqualTo(1);
  }
}
