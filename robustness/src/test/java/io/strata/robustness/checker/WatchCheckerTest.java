package io.strata.robustness.checker;

import static io.strata.robustness.checker.Histories.deleteEvent;
import static io.strata.robustness.checker.Histories.putEvent;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.robustness.checker.WatchStream.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

class WatchCheckerTest {

  /** a=a1 at 2, b=b1 at 3, a=a2 and b deleted together at 4 (one txn), a deleted at 5. */
  private static Histories writes() {
    Request.Txn txn = new Request.Txn(List.of(),
        List.of(Histories.put("a", "a2"), new Request.Delete(KeyRange.single("b"), false)),
        List.of());
    return new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "b", "b1", 3)
        .op(1, 21, 30, txn, new Response.Txn(4, true,
            List.of(new Response.Put(4, null), new Response.Delete(4, 1, List.of()))))
        .delete(1, 31, 40, "a", 1, 5);
  }

  private static List<String> rules(Histories h) {
    return RevisionChecker.check(h.build()).violations().stream().map(Violation::rule).toList();
  }

  @Test
  void aCompleteStreamIsAccepted() {
    assertThat(rules(writes().watch(KeyRange.prefix(""), 2,
        Reply.events(2, putEvent("a", "a1", 2, 2, 1)),
        Reply.events(3, putEvent("b", "b1", 3, 3, 1)),
        Reply.progress(3),
        Reply.events(5, putEvent("a", "a2", 2, 4, 2), deleteEvent("b", 4)),
        Reply.events(5, deleteEvent("a", 5)),
        Reply.progress(5)))).isEmpty();
  }

  @Test
  void aFilteredStreamResumedFromARevisionIsAccepted() {
    assertThat(rules(writes()
        .watch(KeyRange.single("a"), 3,
            Reply.events(4, putEvent("a", "a2", 2, 4, 2)), Reply.events(5, deleteEvent("a", 5)))
        .watch(KeyRange.single("b"), 4, Reply.events(4, deleteEvent("b", 4))))).isEmpty();
  }

  @Test
  void aDuplicateEventIsRejected() {
    assertThat(rules(writes().watch(KeyRange.prefix(""), 2,
        Reply.events(2, putEvent("a", "a1", 2, 2, 1)),
        Reply.events(2, putEvent("a", "a1", 2, 2, 1)))))
        .containsExactly("watch-unique");
  }

  @Test
  void aMissingEventIsRejected() {
    assertThat(rules(writes().watch(KeyRange.prefix(""), 2,
        Reply.events(2, putEvent("a", "a1", 2, 2, 1)),
        Reply.events(4, putEvent("a", "a2", 2, 4, 2), deleteEvent("b", 4)))))
        .containsExactly("watch-reliable");
  }

  @Test
  void aMissingFirstEventIsRejected() {
    assertThat(rules(writes().watch(KeyRange.single("a"), 2,
        Reply.events(5, deleteEvent("a", 5)))))
        .containsExactly("watch-reliable");
  }

  @Test
  void aRevisionSplitAcrossRepliesIsNotAtomic() {
    assertThat(rules(writes().watch(KeyRange.prefix(""), 4,
        Reply.events(4, putEvent("a", "a2", 2, 4, 2)),
        Reply.events(4, deleteEvent("b", 4)))))
        .containsOnly("watch-atomic");
  }

  @Test
  void aProgressNotificationAheadOfAnUndeliveredEventIsRejected() {
    assertThat(rules(writes().watch(KeyRange.prefix(""), 2,
        Reply.events(2, putEvent("a", "a1", 2, 2, 1)),
        Reply.progress(3),
        Reply.events(3, putEvent("b", "b1", 3, 3, 1)))))
        .contains("watch-bookmarkable");
  }

  @Test
  void eventsOutOfOrderAreRejected() {
    assertThat(rules(writes().watch(KeyRange.prefix(""), 2,
        Reply.events(3, putEvent("b", "b1", 3, 3, 1), putEvent("a", "a1", 2, 2, 1)))))
        .contains("watch-ordered");
  }

  @Test
  void anEventDisagreeingWithTheLogIsRejected() {
    assertThat(rules(writes().watch(KeyRange.single("a"), 2,
        Reply.events(2, putEvent("a", "a1", 2, 2, 7)))))
        .containsExactly("watch-agreement");
  }

  @Test
  void aCompactionCancelNeedsACompaction() {
    assertThat(rules(writes().watch(KeyRange.single("a"), 2, new Reply(5, 4, false, null))))
        .containsExactly("watch-cancel");
    assertThat(rules(writes()
        .op(2, 41, 50, new Request.Compact(4), new Response.Compact(5))
        .watch(KeyRange.single("a"), 2, new Reply(5, 4, false, null)))).isEmpty();
  }
}
