package io.strata.robustness.checker;

import static io.strata.robustness.checker.Histories.kv;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RevisionCheckerTest {

  private static List<String> rules(History h) {
    return RevisionChecker.check(h).violations().stream().map(Violation::rule).toList();
  }

  private static void assertOk(History h) {
    RevisionChecker.Result r = RevisionChecker.check(h);
    assertThat(r.violations()).isEmpty();
    assertThat(r.guessed()).isFalse();
  }

  @Test
  void sequentialPutsGetsAndDeletesAreAccepted() {
    assertOk(new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .get(2, 11, 20, "a", 2, kv("a", "a1", 2, 2, 1))
        .put(1, 21, 30, "a", "a2", 3)
        .get(2, 31, 40, "a", 3, kv("a", "a2", 2, 3, 2))
        .delete(1, 41, 50, "a", 1, 4)
        .delete(2, 51, 60, "a", 0, 4)
        .get(2, 61, 70, "a", 4)
        .put(1, 71, 80, "a", "a3", 5)
        .get(2, 81, 90, "a", 5, kv("a", "a3", 5, 5, 1))
        .build());
  }

  /**
   * Found by the kill-leader scenario: a CAS that lost and a delete of nothing report the current
   * revision, the same as the concurrent write that won; listed first, they were taken as its
   * writer. The claimant whose response shows the write owns the revision.
   */
  @Test
  void aLosingCasOrEmptyDeleteReportingTheWinnersRevisionIsNotTakenForTheWriter() {
    Compare cas = Compare.modRevision("a", Compare.Result.EQUAL, 2);
    Request.Range getA = new Request.Range(KeyRange.single("a"), 0);
    assertOk(new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .op(2, 20, 40, new Request.Txn(List.of(cas), List.of(Histories.put("a", "a2")),
            List.of(getA)),
            new Response.Txn(3, false, List.of(new Response.Range(3,
                List.of(kv("a", "a3", 2, 3, 2))))))
        .op(3, 21, 41, new Request.Txn(List.of(cas), List.of(Histories.put("a", "a3")),
            List.of(getA)),
            new Response.Txn(3, true, List.of(new Response.Put(3, null))))
        .delete(2, 50, 60, "a", 0, 4)
        .delete(3, 51, 61, "a", 1, 4)
        .get(1, 70, 80, "a", 4)
        .build());
  }

  @Test
  void concurrentOverlappingOpsAreAcceptedInEitherOrder() {
    // The get overlaps both puts and saw the second one; put b returned first but got the later
    // revision: allowed, they overlap.
    assertOk(new Histories()
        .put(1, 0, 50, "a", "a1", 3)
        .put(2, 5, 20, "b", "b1", 2)
        .get(3, 1, 60, "a", 3, kv("a", "a1", 3, 3, 1))
        .get(3, 61, 70, "b", 3, kv("b", "b1", 2, 2, 1))
        .build());
  }

  @Test
  void aStaleReadIsRejected() {
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .get(2, 21, 30, "a", 3, kv("a", "a1", 2, 2, 1))
        .build();
    assertThat(rules(h)).containsExactly("stale-read");
  }

  @Test
  void aStaleReadWithAnOldHeaderIsARevisionRegression() {
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .get(2, 21, 30, "a", 1)
        .build();
    assertThat(rules(h)).containsExactly("revision-regression");
  }

  @Test
  void anAcknowledgedPutNeverVisibleIsALostWrite() {
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "b", "b1", 3)
        .get(2, 21, 30, "a", 3)
        .build();
    RevisionChecker.Result r = RevisionChecker.check(h);
    assertThat(r.violations()).extracting(Violation::rule).containsExactly("lost-write");
    assertThat(r.violations().get(0).detail()).contains("op 1", "revision 2", "op 3");
  }

  @Test
  void aRevisionGoingBackInRealTimeIsRejected() {
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "b", "b1", 3)
        .get(2, 0, 5, "a", 1)
        .get(3, 21, 30, "c", 3)
        .get(3, 31, 40, "c", 2)
        .build();
    assertThat(rules(h)).containsExactly("revision-regression");
  }

  @Test
  void aWriteAfterAWriteWithTheSameRevisionIsADuplicate() {
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(2, 20, 30, "b", "b1", 2)
        .build();
    assertThat(rules(h)).contains("duplicate-revision");
  }

  @Test
  void aRevisionNoWriteProducedIsAGap() {
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 20, 30, "b", "b1", 4)
        .build();
    assertThat(rules(h)).containsExactly("revision-gap");
  }

  @Test
  void aValueNoWriteProducedIsRejected() {
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .get(2, 20, 30, "a", 2, kv("a", "ghost", 2, 2, 1))
        .build();
    assertThat(rules(h)).contains("phantom-value");
  }

  @Test
  void anUnknownPutThatWasObservedIsPlacedAtItsRevision() {
    assertOk(new Histories()
        .putUnknown(1, 0, "a", "a1")
        .put(2, 5, 15, "b", "b1", 3)
        .get(2, 20, 30, "a", 3, kv("a", "a1", 2, 2, 1))
        .build());
  }

  @Test
  void anUnknownPutThatNeverAppliedIsAccepted() {
    assertOk(new Histories()
        .putUnknown(1, 0, "a", "a1")
        .put(2, 5, 15, "b", "b1", 2)
        .get(2, 20, 30, "a", 2)
        .build());
  }

  @Test
  void anUnknownPutFillsTheOnlyGapItFits() {
    assertOk(new Histories()
        .putUnknown(1, 0, "a", "a1")
        .put(2, 5, 15, "a", "a2", 3)
        .get(2, 20, 30, "a", 3, kv("a", "a2", 2, 3, 2))
        .build());
  }

  @Test
  void anUnknownPutSeenBeforeItWasCalledIsRejected() {
    History h = new Histories()
        .get(2, 0, 10, "a", 2, kv("a", "a1", 2, 2, 1))
        .putUnknown(1, 20, "a", "a1")
        .build();
    assertThat(rules(h)).containsExactly("revision-regression");
  }

  @Test
  void txnCompareOnModRevisionSharesOneRevisionForAllItsWrites() {
    Request.Txn txn = new Request.Txn(
        List.of(Compare.modRevision("a", Compare.Result.EQUAL, 2)),
        List.of(Histories.put("a", "a2"), Histories.put("b", "b1")),
        List.of(new Request.Range(KeyRange.single("a"), 0)));
    Request.Txn again = new Request.Txn(txn.compares(),
        List.of(Histories.put("a", "a3"), Histories.put("b", "b2")), txn.failure());
    assertOk(new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .op(1, 11, 20, txn, new Response.Txn(3, true,
            List.of(new Response.Put(3, null), new Response.Put(3, null))))
        .op(2, 21, 30, again, new Response.Txn(3, false,
            List.of(new Response.Range(3, List.of(kv("a", "a2", 2, 3, 2))))))
        .op(2, 31, 40, new Request.Range(KeyRange.prefix(""), 0),
            new Response.Range(3, List.of(kv("a", "a2", 2, 3, 2), kv("b", "b1", 3, 3, 1))))
        .build());
  }

  @Test
  void aTxnReportingTheWrongBranchIsRejected() {
    Request.Txn txn = new Request.Txn(
        List.of(Compare.modRevision("a", Compare.Result.EQUAL, 1)),
        List.of(Histories.put("a", "a2")), List.of());
    History h = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .op(1, 11, 20, txn, new Response.Txn(3, true, List.of(new Response.Put(3, null))))
        .build();
    assertThat(rules(h)).isNotEmpty();
  }

  @Test
  void aReadAtAPastRevisionSeesThatRevision() {
    History good = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .op(2, 21, 30, new Request.Range(KeyRange.single("a"), 2),
            new Response.Range(3, List.of(kv("a", "a1", 2, 2, 1))))
        .build();
    assertOk(good);
    History stale = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .op(2, 21, 30, new Request.Range(KeyRange.single("a"), 2),
            new Response.Range(3, List.of(kv("a", "a2", 2, 3, 2))))
        .build();
    assertThat(rules(stale)).containsExactly("stale-read");
  }

  @Test
  void compactedErrorsNeedACompaction() {
    Histories base = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3);
    History without = base.op(2, 21, 30, new Request.Range(KeyRange.single("a"), 2),
        new Response.Error(Response.Error.COMPACTED)).build();
    assertThat(rules(without)).containsExactly("wrong-response");
    History with = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .op(1, 21, 30, new Request.Compact(3), new Response.Compact(3))
        .op(2, 31, 40, new Request.Range(KeyRange.single("a"), 2),
            new Response.Error(Response.Error.COMPACTED))
        .build();
    assertOk(with);
  }

  @Test
  void revokingALeaseDeletesItsKeysInOneRevision() {
    assertOk(new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(7, 60), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.Put("a", "a1", 7, false), new Response.Put(2, null))
        .op(1, 11, 20, new Request.Put("b", "b1", 7, false), new Response.Put(3, null))
        .op(1, 21, 30, new Request.LeaseRevoke(7), new Response.LeaseRevoke(4))
        .op(2, 31, 40, new Request.Range(KeyRange.prefix(""), 0), new Response.Range(4, List.of()))
        .watch(KeyRange.prefix(""), 2,
            WatchStream.Reply.events(2, new WatchStream.Event(WatchStream.Event.Type.PUT, new KeyValue("a", "a1", 2, 2, 1, 7))),
            WatchStream.Reply.events(3, new WatchStream.Event(WatchStream.Event.Type.PUT, new KeyValue("b", "b1", 3, 3, 1, 7))),
            WatchStream.Reply.events(4, Histories.deleteEvent("a", 4),
                Histories.deleteEvent("b", 4)))
        .build());
  }
  @Test
  void revokingALeaseWithoutKeysCreatesNoRevision() {
    Histories granted = new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7));
    assertOk(new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.LeaseRevoke(7), new Response.LeaseRevoke(1))
        .put(1, 11, 20, "a", "a1", 2)
        .build());
    // A server that spends a revision on it leaves a revision nobody wrote.
    assertThat(rules(granted
        .op(1, 6, 10, new Request.LeaseRevoke(7), new Response.LeaseRevoke(2))
        .put(1, 11, 20, "a", "a1", 3)
        .build())).contains("revision-gap");
  }

  @Test
  void aKeyPutAgainWithoutTheLeaseIsNotRevokedWithIt() {
    Histories h = new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.Put("a", "a1", 7, false), new Response.Put(2, null))
        .put(1, 11, 20, "a", "a2", 3)
        .op(1, 21, 30, new Request.LeaseRevoke(7), new Response.LeaseRevoke(3));
    assertOk(h.get(1, 31, 40, "a", 3, kv("a", "a2", 2, 3, 2)).build());
  }

  @Test
  void aRevokeReportingAConcurrentTxnsRevisionCameAfterTheTxnDetachedItsKey() {
    // Seen on a real cluster: "a" is attached to lease 7; a revoke of 7 and a CAS txn re-putting
    // "a" without the lease run concurrently and both report revision 3. Only "txn, then revoke
    // of a lease with no keys left" explains both answers.
    Request.Txn cas = new Request.Txn(
        List.of(Compare.modRevision("a", Compare.Result.EQUAL, 2)),
        List.of(new Request.Put("a", "a2", 0, false)),
        List.of(new Request.Range(KeyRange.single("a"), 0)));
    Histories h = new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.Put("a", "a1", 7, false), new Response.Put(2, null))
        .op(1, 11, 30, new Request.LeaseRevoke(7), new Response.LeaseRevoke(3))
        .op(2, 12, 30, cas, new Response.Txn(3, true, List.of(new Response.Put(3, null))));
    assertOk(h.get(1, 31, 40, "a", 3, kv("a", "a2", 2, 3, 2)).build());
  }

  @Test
  void aDeleteOfNothingAtARevisionNobodyClaimsCameAfterAnUnknownDeleteOwningIt() {
    // Seen on a real cluster while the leader was paused: client 1's delete of "a" timed out
    // (unknown); later a read and client 2's delete of "a" (deleted 0) report revision 3, which
    // only the unknown delete can own.
    Histories h = new Histories()
        .put(1, 0, 5, "a", "a1", 2)
        .op(1, 6, Operation.INFINITY, new Request.Delete(KeyRange.single("a"), false), null)
        .get(3, 20, 25, "a", 3)
        .delete(2, 30, 40, "a", 0, 3);
    assertOk(h.build());
  }

  @Test
  void aRevokeCalledAfterItsRevisionWasReadDidNotWriteIt() {
    // Seen in the kill-leader scenario: "a" is attached to lease 7; client 1's delete of "a" and
    // client 3's put of "b" have unknown outcomes. A read returns revision 4 with "a" gone, and
    // only then is lease 7 revoked, answering 4: it found no keys and wrote nothing. The unknown
    // delete owns revision 4, not the revoke, which in the image at 3 would still delete "a".
    Histories h = new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.Put("a", "a1", 7, false), new Response.Put(2, null))
        .op(3, 11, Operation.INFINITY, new Request.Put("b", "b1", 0, false), null)
        .op(1, 12, Operation.INFINITY, new Request.Delete(KeyRange.single("a"), false), null)
        .get(4, 20, 30, "b", 3, kv("b", "b1", 3, 3, 1))
        .get(2, 40, 50, "a", 4)
        .op(2, 60, 70, new Request.LeaseRevoke(7), new Response.LeaseRevoke(4));
    assertOk(h.build());
  }

  @Test
  void aRevokeThatLeavesAnAttachedKeyIsCaught() {
    History h = new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.Put("a", "a1", 7, false), new Response.Put(2, null))
        .op(1, 11, 20, new Request.Put("b", "b1", 7, false), new Response.Put(3, null))
        .op(1, 21, 30, new Request.LeaseRevoke(7), new Response.LeaseRevoke(4))
        .op(1, 31, 40, new Request.Range(KeyRange.prefix(""), 0), new Response.Range(4,
            List.of(new KeyValue("b", "b1", 3, 3, 1, 7))))
        .build();
    assertThat(rules(h)).containsExactly("stale-read");
  }

  @Test
  void aGrantedIdMustBeTheOneAskedFor() {
    assertOk(new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(9, 600), new Response.LeaseGrant(1, 9)).build());
    assertThat(rules(new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(9, 600), new Response.LeaseGrant(1, 8)).build()))
        .containsExactly("wrong-response");
  }

  @Test
  void aReadBelowACompactionThatHadReturnedMustFail() {
    Histories base = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .op(1, 21, 30, new Request.Compact(3), new Response.Compact(3));
    History served = base.op(2, 31, 40, new Request.Range(KeyRange.single("a"), 2),
        new Response.Range(3, List.of(kv("a", "a1", 2, 2, 1)))).build();
    assertThat(rules(served)).containsExactly("read-below-compaction");
    // At the compaction revision itself, or concurrent with the compaction, the read may succeed.
    assertOk(new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .op(1, 21, 30, new Request.Compact(3), new Response.Compact(3))
        .op(2, 25, 40, new Request.Range(KeyRange.single("a"), 2),
            new Response.Range(3, List.of(kv("a", "a1", 2, 2, 1))))
        .op(2, 41, 50, new Request.Range(KeyRange.single("a"), 3),
            new Response.Range(3, List.of(kv("a", "a2", 2, 3, 2))))
        .build());
  }
}
