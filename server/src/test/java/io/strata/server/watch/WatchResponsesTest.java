package io.strata.server.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** etcd's sendFragments rules, checked on the packing itself. */
class WatchResponsesTest {
  private static final ResponseHeader HEADER = ResponseHeader.newBuilder()
      .setClusterId(-1L).setMemberId(-1L).setRevision(1234).setRaftTerm(7).build();

  @Test
  void aResponseUnderTheLimitOrWithOneEventGoesWhole() {
    WatchResponse small = response(3, 10);
    assertThat(WatchResponses.fragments(small, small.getSerializedSize() + 1)).containsExactly(small);
    WatchResponse single = response(1, 5000);
    assertThat(WatchResponses.fragments(single, 100)).containsExactly(single);
  }

  @ParameterizedTest(name = "a limit of {0} bytes packs every fragment as full as it can be")
  @ValueSource(ints = {150, 400, 1000, 2500})
  void fragmentsArePackedGreedilyAndOnlyTheLastIsUnmarked(int limit) {
    WatchResponse whole = response(40, 90);
    List<WatchResponse> fragments = WatchResponses.fragments(whole, limit);
    assertThat(fragments.size()).isGreaterThan(1);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < fragments.size(); i++) {
      WatchResponse f = fragments.get(i);
      assertThat(f.getFragment()).isEqualTo(i < fragments.size() - 1);
      assertThat(f.getHeader()).isEqualTo(HEADER);
      assertThat(f.getWatchId()).isEqualTo(whole.getWatchId());
      assertThat(f.getEventsCount()).isPositive();
      if (f.getEventsCount() > 1) {
        assertThat(f.getSerializedSize()).isLessThan(limit);
      }
      if (i < fragments.size() - 1) {
        WatchResponse oneMore = f.toBuilder().addEvents(fragments.get(i + 1).getEvents(0)).build();
        assertThat(oneMore.getSerializedSize()).isGreaterThanOrEqualTo(limit);
      }
      events.addAll(f.getEventsList());
    }
    assertThat(events).isEqualTo(whole.getEventsList());
  }

  private static WatchResponse response(int events, int valueBytes) {
    WatchResponse.Builder r = WatchResponse.newBuilder().setHeader(HEADER).setWatchId(3);
    for (int i = 0; i < events; i++) {
      r.addEvents(Event.newBuilder().setKv(KeyValue.newBuilder()
          .setKey(ByteString.copyFromUtf8("key/" + i))
          .setValue(ByteString.copyFromUtf8("v".repeat(valueBytes + i % 7)))
          .setModRevision(100 + i).setCreateRevision(100).setVersion(i + 1)));
    }
    return r.build();
  }
}
