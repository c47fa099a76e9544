package io.strata.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatchProgressTest {

  @Test
  void a_watch_from_now_resumes_after_the_created_revision() {
    WatchProgress progress = new WatchProgress(0);
    assertThat(progress.resumeRevision()).isZero();
    progress.created(41);
    assertThat(progress.resumeRevision()).isEqualTo(42);
    progress.created(50); // a re-creation does not move it
    assertThat(progress.resumeRevision()).isEqualTo(42);
  }

  @Test
  void a_watch_from_a_revision_resumes_after_the_last_delivered_event() {
    WatchProgress progress = new WatchProgress(10);
    progress.created(30);
    assertThat(progress.resumeRevision()).isEqualTo(10);
    assertThat(progress.accept(List.of(put(10), put(11)))).extracting(WatchProgressTest::revision).containsExactly(10L, 11L);
    assertThat(progress.resumeRevision()).isEqualTo(12);
  }

  @Test
  void events_delivered_before_a_reconnect_are_dropped_and_a_revision_is_never_split() {
    WatchProgress progress = new WatchProgress(5);
    progress.accept(List.of(put(5), put(6), put(6)));
    // The member the watch moved to sends revision 6 again (both events of the txn), then 7.
    assertThat(progress.accept(List.of(put(6), put(6)))).isEmpty();
    assertThat(progress.accept(List.of(put(6), put(7), delete(8)))).extracting(WatchProgressTest::revision)
        .containsExactly(7L, 8L);
    assertThat(progress.resumeRevision()).isEqualTo(9);
  }

  @Test
  void a_progress_notification_moves_the_resume_revision_forward_only() {
    WatchProgress progress = new WatchProgress(5);
    progress.progressed(20);
    assertThat(progress.resumeRevision()).isEqualTo(21);
    progress.progressed(15);
    assertThat(progress.resumeRevision()).isEqualTo(21);
    assertThat(progress.accept(List.of(put(20)))).isEmpty();
  }

  private static long revision(Event event) {
    return event.getKv().getModRevision();
  }

  private static Event put(long revision) {
    return Event.newBuilder().setType(Event.EventType.PUT)
        .setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k")).setModRevision(revision)).build();
  }

  private static Event delete(long revision) {
    return Event.newBuilder().setType(Event.EventType.DELETE)
        .setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("k")).setModRevision(revision)).build();
  }
}
