package io.strata.robustness.checker;

import static io.strata.robustness.checker.Histories.kv;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.robustness.checker.LinearizabilitySearch.Verdict;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilitySearchTest {

  private static Verdict verdict(Histories h) {
    return LinearizabilitySearch.check(h.build(), Duration.ofSeconds(30), Clock.systemUTC())
        .verdict();
  }

  @Test
  void overlappingPutsCanBeOrderedEitherWay() {
    assertThat(verdict(new Histories()
        .put(1, 0, 50, "a", "a1", 3)
        .put(2, 5, 20, "a", "a2", 2)
        .get(3, 60, 70, "a", 3, kv("a", "a1", 2, 3, 2)))).isEqualTo(Verdict.OK);
  }

  @Test
  void aStaleReadHasNoLinearization() {
    assertThat(verdict(new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .get(2, 21, 30, "a", 3, kv("a", "a1", 2, 2, 1)))).isEqualTo(Verdict.ILLEGAL);
  }

  @Test
  void aLostWriteHasNoLinearization() {
    assertThat(verdict(new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .get(2, 21, 30, "a", 2))).isEqualTo(Verdict.ILLEGAL);
  }

  @Test
  void unknownWritesMayOrMayNotApply() {
    assertThat(verdict(new Histories()
        .putUnknown(1, 0, "a", "a1")
        .get(2, 10, 20, "a", 1)
        .get(2, 30, 40, "a", 2, kv("a", "a1", 2, 2, 1)))).isEqualTo(Verdict.OK);
    assertThat(verdict(new Histories()
        .putUnknown(1, 0, "a", "a1")
        .get(2, 10, 20, "a", 1))).isEqualTo(Verdict.OK);
    assertThat(verdict(new Histories()
        .putUnknown(1, 50, "a", "a1")
        .get(2, 10, 20, "a", 2, kv("a", "a1", 2, 2, 1)))).isEqualTo(Verdict.ILLEGAL);
  }

  @Test
  void aCasTxnIsLinearizedWithTheRevisionInTheState() {
    Request.Txn cas = new Request.Txn(
        List.of(Compare.modRevision("a", Compare.Result.EQUAL, 2)),
        List.of(Histories.put("a", "won")), List.of());
    Request.Txn cas2 = new Request.Txn(
        List.of(Compare.modRevision("a", Compare.Result.EQUAL, 2)),
        List.of(Histories.put("a", "won2")), List.of());
    Histories both = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .op(1, 11, 30, cas, new Response.Txn(3, true, List.of(new Response.Put(3, null))))
        .op(2, 12, 29, cas2, new Response.Txn(3, true, List.of(new Response.Put(3, null))));
    assertThat(verdict(both)).isEqualTo(Verdict.ILLEGAL);
    Histories one = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .op(1, 11, 30, cas, new Response.Txn(3, true, List.of(new Response.Put(3, null))))
        .op(2, 12, 29, cas2, new Response.Txn(3, false, List.of()));
    assertThat(verdict(one)).isEqualTo(Verdict.OK);
  }

  @Test
  void anExhaustedBudgetIsUnknown() {
    Histories h = new Histories();
    for (int i = 0; i < 14; i++) {
      h.putUnknown(i, i, "k", "v" + i);
    }
    h.get(99, 100, 110, "k", 1);
    h.get(99, 120, 130, "k", 2, kv("k", "nobody", 2, 2, 1));
    Clock stopped = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
    Clock expired = Clock.offset(stopped, Duration.ofHours(1));
    // The first look at the clock says the budget (zero) is already over.
    LinearizabilitySearch.Result r = LinearizabilitySearch.check(h.build(), Duration.ZERO,
        new Clock() {
          boolean first = true;

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            Instant i = first ? stopped.instant() : expired.instant();
            first = false;
            return i;
          }
        });
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
  }
  @Test
  void aRevokeOfUnknownOutcomeMayDeleteTheLeasesKeysInOneRevision() {
    Histories leased = new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.Put("a", "a1", 7, false), new Response.Put(2, null))
        .op(1, 11, 20, new Request.Put("b", "b1", 7, false), new Response.Put(3, null))
        .op(1, 21, Operation.INFINITY, new Request.LeaseRevoke(7), null);
    assertThat(verdict(leased.op(2, 30, 40, new Request.Range(KeyRange.prefix(""), 0),
        new Response.Range(4, List.of())))).isEqualTo(Verdict.OK);
    // Only one of the two keys gone: a revoke deletes all of them or none.
    assertThat(verdict(new Histories()
        .op(1, 0, 5, new Request.LeaseGrant(0, 600), new Response.LeaseGrant(1, 7))
        .op(1, 6, 10, new Request.Put("a", "a1", 7, false), new Response.Put(2, null))
        .op(1, 11, 20, new Request.Put("b", "b1", 7, false), new Response.Put(3, null))
        .op(1, 21, Operation.INFINITY, new Request.LeaseRevoke(7), null)
        .op(2, 30, 40, new Request.Range(KeyRange.prefix(""), 0),
            new Response.Range(4, List.of(new KeyValue("b", "b1", 3, 3, 1, 7))))))
        .isEqualTo(Verdict.ILLEGAL);
  }

  @Test
  void aPastReadIsLinearizedBeforeTheCompactionAboveIt() {
    Request.Range atTwo = new Request.Range(KeyRange.single("a"), 2);
    Histories concurrent = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .op(1, 21, 40, new Request.Compact(3), new Response.Compact(3))
        .op(2, 25, 35, atTwo, new Response.Range(3, List.of(kv("a", "a1", 2, 2, 1))))
        .op(3, 25, 35, atTwo, new Response.Error(Response.Error.COMPACTED));
    assertThat(verdict(concurrent)).isEqualTo(Verdict.OK);
    Histories after = new Histories()
        .put(1, 0, 10, "a", "a1", 2)
        .put(1, 11, 20, "a", "a2", 3)
        .op(1, 21, 30, new Request.Compact(3), new Response.Compact(3))
        .op(2, 31, 40, atTwo, new Response.Range(3, List.of(kv("a", "a1", 2, 2, 1))));
    assertThat(verdict(after)).isEqualTo(Verdict.ILLEGAL);
  }
}
