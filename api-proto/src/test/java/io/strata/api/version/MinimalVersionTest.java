package io.strata.api.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.MemberAddRequest;
import io.strata.api.etcdserverpb.MemberPromoteRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.MemberAdd;
import org.junit.jupiter.api.Test;

class MinimalVersionTest {
  private static final Version V1_0 = Version.parse("1.0");
  private static final Version V1_1 = Version.parse("1.1");

  @Test
  void aPlainEntryNeedsTheFirstVersion() {
    Entry put = Entry.newBuilder().setPut(PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v"))).build();
    assertThat(MinimalVersion.of(put)).isEqualTo(V1_0);
  }

  @Test
  void aPopulatedNewerFieldDeepInsideRaisesTheVersion() {
    Entry learner = Entry.newBuilder().setMemberAdd(MemberAdd.newBuilder()
        .setMember(Member.newBuilder().setID(1).addPeerURLs("http://a:1").setIsLearner(true))).build();
    Entry voter = Entry.newBuilder().setMemberAdd(MemberAdd.newBuilder()
        .setMember(Member.newBuilder().setID(1).addPeerURLs("http://a:1"))).build();
    assertThat(MinimalVersion.of(learner)).isEqualTo(V1_1);
    assertThat(MinimalVersion.of(voter)).isEqualTo(V1_0);
  }

  @Test
  void aNewerMessageTypeIsItsOwnVersionEvenWhenEmpty() {
    assertThat(MinimalVersion.of(MemberPromoteRequest.getDefaultInstance())).isEqualTo(V1_1);
    assertThat(MinimalVersion.of(MemberAddRequest.newBuilder().setIsLearner(true))).isEqualTo(V1_1);
    assertThat(MinimalVersion.of(MemberAddRequest.newBuilder().addPeerURLs("http://a:1"))).isEqualTo(V1_0);
  }

  @Test
  void fieldsThisBuildDoesNotKnowMakeTheMessageUnreadable() {
    PutRequest fromTheFuture = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build())
        .build();
    assertThat(MinimalVersion.of(fromTheFuture)).isEqualTo(MinimalVersion.UNKNOWN);
  }

  @Test
  void versionsParseStrictlyAndOrderNumerically() {
    assertThat(Version.parse("1.10")).isGreaterThan(Version.parse("1.9"));
    assertThat(Version.parse("1.2").wire()).isEqualTo("1.2.0");
    for (String bad : new String[] {"abc", "1.a", "1", "1.2.0", ""}) {
      assertThatThrownBy(() -> Version.parse(bad)).hasMessageContaining("wrong version format");
    }
  }
}
