package io.strata.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.peerpb.LeaseRenewResponse;
import io.strata.api.peerpb.LeaseTimeToLivePeerResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The lessor on a fake monotonic clock: expiry, renewal, leader changes. No sleeps. */
class LessorTest {
  private static final long EXTENSION_MS = 1000;
  private static final long RETRY_MS = 3000;

  private final FakeTicker clock = new FakeTicker();
  private final Lessor lessor = new Lessor(clock, EXTENSION_MS, RETRY_MS, TimeUnit.MILLISECONDS);

  @Test
  void aLeaseExpiresOnTheLeaderExactlyWhenItsTtlHasPassed() {
    lessor.promote();
    lessor.granted(1, 10);
    clock.advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(lessor.expiredForRevoke(10)).isEmpty();
    clock.advance(Duration.ofNanos(1));
    assertThat(lessor.expiredForRevoke(10)).containsExactly(1L);
  }

  @Test
  void aKeepAliveRestartsTheTtlFromNow() {
    lessor.promote();
    lessor.granted(1, 10);
    clock.advance(Duration.ofSeconds(8));
    assertThat(renew(1)).isEqualTo(ok(10));
    clock.advance(Duration.ofSeconds(9));
    assertThat(lessor.expiredForRevoke(10)).as("renewed at 8 s: alive until 18 s").isEmpty();
    assertThat(lessor.timeToLive(1, false).getRemainingTtl()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(1));
    assertThat(lessor.expiredForRevoke(10)).containsExactly(1L);
  }

  @Test
  void followersNeverExpireAndAnswerNotLeader() {
    lessor.granted(1, 1);
    clock.advance(Duration.ofDays(365));
    assertThat(lessor.expiredForRevoke(10)).isEmpty();
    assertThat(renew(1).getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_LEADER);
    assertThat(lessor.timeToLive(1, false).getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_LEADER);
    assertThat(lessor.exists(1)).isTrue();
  }

  @Test
  void aNewLeaderRestartsEveryLeaseAtNowPlusTtlPlusTheExtension() {
    lessor.granted(1, 10);
    lessor.granted(2, 60);
    // Long after the old leader's deadlines, this member takes over.
    clock.advance(Duration.ofMinutes(5));
    lessor.promote();
    clock.advance(Duration.ofSeconds(10).plusMillis(EXTENSION_MS).minusNanos(1));
    assertThat(lessor.expiredForRevoke(10)).isEmpty();
    clock.advance(Duration.ofNanos(1));
    assertThat(lessor.expiredForRevoke(10)).containsExactly(1L);
  }

  @Test
  void leadershipLostAndRegainedRestartsTheClockAgain() {
    lessor.promote();
    lessor.granted(1, 10);
    clock.advance(Duration.ofSeconds(9));
    lessor.demote();
    clock.advance(Duration.ofSeconds(30));
    assertThat(lessor.expiredForRevoke(10)).isEmpty();
    lessor.promote();
    clock.advance(Duration.ofSeconds(10));
    assertThat(lessor.expiredForRevoke(10)).as("10 s + 1 s extension after promotion").isEmpty();
    clock.advance(Duration.ofMillis(EXTENSION_MS));
    assertThat(lessor.expiredForRevoke(10)).containsExactly(1L);
  }

  @Test
  void anExpiredLeaseIsProposedOnceUntilTheRetryIntervalOrAFailure() {
    lessor.promote();
    lessor.granted(1, 5);
    clock.advance(Duration.ofSeconds(5));
    assertThat(lessor.expiredForRevoke(10)).containsExactly(1L);
    assertThat(lessor.expiredForRevoke(10)).as("revoke in flight").isEmpty();
    clock.advance(Duration.ofMillis(RETRY_MS - 1));
    assertThat(lessor.expiredForRevoke(10)).isEmpty();
    clock.advance(Duration.ofMillis(1));
    assertThat(lessor.expiredForRevoke(10)).as("no effect after the retry interval").containsExactly(1L);
    lessor.revokeFailed(1);
    assertThat(lessor.expiredForRevoke(10)).as("the proposal failed: at once").containsExactly(1L);
  }

  @Test
  void revokesAreRateLimitedSoonestDeadlineFirst() {
    lessor.promote();
    lessor.granted(3, 3);
    lessor.granted(1, 1);
    lessor.granted(2, 2);
    clock.advance(Duration.ofSeconds(10));
    assertThat(lessor.expiredForRevoke(2)).containsExactly(1L, 2L);
    assertThat(lessor.expiredForRevoke(2)).containsExactly(3L);
  }

  @Test
  void renewingAnExpiredLeaseWaitsForItsRevokeAndThenAnswersNotFound() {
    lessor.promote();
    lessor.granted(1, 5);
    clock.advance(Duration.ofSeconds(6));
    CompletableFuture<LeaseRenewResponse> renewal = lessor.renew(1);
    assertThat(renewal).isNotDone();
    Lessor.Lease removed = lessor.removed(1);
    assertThat(renewal).as("not before the revoke is durable").isNotDone();
    removed.gone.complete(null);
    assertThat(renewal.join().getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_FOUND);
  }

  @Test
  void renewingAnExpiredLeaseAnswersNotLeaderWhenLeadershipMoves() {
    lessor.promote();
    lessor.granted(1, 5);
    clock.advance(Duration.ofSeconds(6));
    CompletableFuture<LeaseRenewResponse> renewal = lessor.renew(1);
    lessor.demote();
    assertThat(renewal.join().getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_LEADER);
  }

  @Test
  void renewingAnUnknownLeaseAnswersNotFound() {
    lessor.promote();
    assertThat(renew(42).getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_FOUND);
    assertThat(lessor.timeToLive(42, true).getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_FOUND);
  }

  @Test
  void timeToLiveRoundsDownAndListsKeysInByteOrder() {
    lessor.promote();
    lessor.granted(1, 60);
    lessor.attach(1, ByteString.copyFromUtf8("b"));
    lessor.attach(1, ByteString.copyFromUtf8("a"));
    lessor.attach(1, ByteString.copyFrom(new byte[] {(byte) 0xff}));
    lessor.attach(1, ByteString.copyFromUtf8("c"));
    lessor.detach(1, ByteString.copyFromUtf8("c"));
    clock.advance(Duration.ofMillis(1500));
    LeaseTimeToLivePeerResponse ttl = lessor.timeToLive(1, true);
    assertThat(ttl.getRemainingTtl()).isEqualTo(58);
    assertThat(ttl.getGrantedTtl()).isEqualTo(60);
    assertThat(ttl.getKeysList()).containsExactly(ByteString.copyFromUtf8("a"),
        ByteString.copyFromUtf8("b"), ByteString.copyFrom(new byte[] {(byte) 0xff}));
    assertThat(lessor.timeToLive(1, false).getKeysList()).isEmpty();
  }

  @Test
  void aLeasePastItsDeadlineReportsZeroRemainingUntilRevoked() {
    lessor.promote();
    lessor.granted(1, 2);
    clock.advance(Duration.ofSeconds(5));
    assertThat(lessor.timeToLive(1, false).getRemainingTtl()).isZero();
  }

  @Test
  void theLargestTtlEtcdAllowsNeitherOverflowsNorExpires() {
    lessor.promote();
    lessor.granted(1, LeaseLimits.MAX_TTL_SECONDS);
    clock.advance(Duration.ofDays(365 * 100));
    assertThat(lessor.expiredForRevoke(10)).isEmpty();
    assertThat(lessor.timeToLive(1, false).getRemainingTtl())
        .isGreaterThan(LeaseLimits.MAX_TTL_SECONDS - Duration.ofDays(365 * 101).toSeconds());
    assertThat(renew(1)).isEqualTo(ok(LeaseLimits.MAX_TTL_SECONDS));
  }

  @Test
  void theLeaderListsLeasesSoonestDeadlineFirstAndFollowersById() {
    lessor.granted(5, 30);
    lessor.granted(9, 10);
    lessor.granted(7, 20);
    assertThat(lessor.ids()).containsExactly(5L, 7L, 9L);
    lessor.promote();
    assertThat(lessor.ids()).containsExactly(9L, 7L, 5L);
  }

  @ParameterizedTest(name = "heartbeat {0} ms and election timeout {1} ms give a minimum TTL of {2} s")
  @CsvSource({"100, 1000, 2", "100, 500, 1", "50, 1000, 2", "100, 3000, 5", "10, 100, 1"})
  void theMinimumTtlIsEtcds(long heartbeatMs, long electionMs, long expectedSeconds) {
    assertThat(LeaseLimits.minTtlSeconds(heartbeatMs, electionMs)).isEqualTo(expectedSeconds);
  }

  @Test
  void pickedIdsArePositiveUniqueAndCarryTheMemberPrefix() {
    LeaseIds ids = new LeaseIds(0x8e9e05c52164a211L, () -> 0x0174_8765_4321L);
    assertThat(ids.next()).isEqualTo(0x2211_7487_6543_2101L);
    long previous = 0;
    for (int i = 0; i < 1000; i++) {
      long id = ids.next();
      assertThat(id).isPositive().isNotEqualTo(previous);
      assertThat(id >>> 48).isEqualTo(0x2211L);
      previous = id;
    }
  }

  private LeaseRenewResponse renew(long id) {
    CompletableFuture<LeaseRenewResponse> renewal = lessor.renew(id);
    assertThat(renewal).isDone();
    return renewal.join();
  }

  private static LeaseRenewResponse ok(long ttl) {
    return LeaseRenewResponse.newBuilder().setStatus(LeasePeerStatus.LEASE_OK).setTtl(ttl).build();
  }
}
