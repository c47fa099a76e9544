package io.strata.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.LeaseCheckpoint;
import io.strata.api.etcdserverpb.LeaseCheckpointRequest;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.peerpb.LeaseRenewResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Lease checkpoints in the lessor and the checkpointer, on a fake clock and a fake Raft: which
 * checkpoints the leader takes, where a new leader starts a lease, and how a renewal clears a
 * checkpoint before it renews. No sleeps.
 */
class LessorCheckpointTest {
  private static final long EXTENSION_MS = 1000;

  private final FakeTicker clock = new FakeTicker();
  private final Lessor lessor = new Lessor(clock, EXTENSION_MS, 3000, TimeUnit.MILLISECONDS);
  private final FakeCheckpoints raft = new FakeCheckpoints();

  /** Checkpoints "through Raft": applied at once (as the applier does) unless told to fail. */
  private final class FakeCheckpoints implements Checkpoints {
    final List<LeaseCheckpointRequest> proposed = new ArrayList<>();
    volatile boolean allowed = true;
    volatile boolean fail;

    @Override
    public boolean allowed() {
      return allowed;
    }

    @Override
    public CompletableFuture<Void> propose(LeaseCheckpointRequest request) {
      proposed.add(request);
      if (fail) {
        return CompletableFuture.failedFuture(new IllegalStateException("not leader"));
      }
      request.getCheckpointsList().forEach(c -> lessor.checkpointed(c.getID(), c.getRemainingTTL()));
      return CompletableFuture.completedFuture(null);
    }
  }

  @Test
  void theLeaderCheckpointsLeasesLongerThanTheIntervalThatHaveRunDownSinceTheirLastCheckpoint() {
    lessor.useCheckpoints(raft);
    lessor.promote();
    lessor.granted(1, 100);
    lessor.granted(2, 5);   // not longer than the interval: never checkpointed
    lessor.granted(3, 100);
    LeaseCheckpointer checkpointer = new LeaseCheckpointer(lessor, raft, Duration.ofSeconds(5));

    assertThat(checkpointer.check()).as("a fresh lease needs no checkpoint").isZero();
    clock.advance(Duration.ofMillis(30_500));
    assertThat(checkpointer.check()).isEqualTo(1);
    assertThat(raft.proposed).containsExactly(request(checkpoint(1, 70), checkpoint(3, 70)));
    assertThat(checkpointer.check()).as("nothing changed since").isZero();

    raft.allowed = false;
    clock.advance(Duration.ofSeconds(10));
    assertThat(checkpointer.check()).as("the cluster version does not allow checkpoints").isZero();
    assertThat(raft.proposed).hasSize(1);
  }

  @Test
  void followersTakeNoCheckpointsAndExpiredLeasesAreLeftToTheirRevoke() {
    lessor.useCheckpoints(raft);
    lessor.granted(1, 100);
    clock.advance(Duration.ofSeconds(30));
    assertThat(lessor.checkpointsDue(0)).as("follower").isEmpty();
    lessor.promote();
    clock.advance(Duration.ofSeconds(101));
    assertThat(lessor.checkpointsDue(0)).as("expired").isEmpty();
  }

  @Test
  void aCheckpointOfManyLeasesIsSplitIntoEntriesOfAtMostAThousand() {
    lessor.useCheckpoints(raft);
    lessor.promote();
    for (long id = 1; id <= 2500; id++) {
      lessor.granted(id, 100);
    }
    clock.advance(Duration.ofSeconds(10));
    assertThat(new LeaseCheckpointer(lessor, raft, Duration.ofSeconds(1)).check()).isEqualTo(3);
    assertThat(raft.proposed).extracting(LeaseCheckpointRequest::getCheckpointsCount).containsExactly(1000, 1000, 500);
  }

  @Test
  void aNewLeaderStartsACheckpointedLeaseFromItsRemainingTtl() {
    lessor.useCheckpoints(raft);
    lessor.granted(1, 100);
    lessor.granted(2, 100);
    lessor.checkpointed(1, 40);

    lessor.promote();

    assertThat(lessor.timeToLive(1, false).getRemainingTtl()).isEqualTo(41); // 40 s + the extension
    assertThat(lessor.timeToLive(2, false).getRemainingTtl()).isEqualTo(101);
    clock.advance(Duration.ofSeconds(41));
    assertThat(lessor.expiredForRevoke(10)).containsExactly(1L);
  }

  @Test
  void withoutTheCapabilityANewLeaderStartsFromTheFullTtl() {
    raft.allowed = false;
    lessor.useCheckpoints(raft);
    lessor.granted(1, 100);
    lessor.checkpointed(1, 40);
    lessor.promote();
    assertThat(lessor.timeToLive(1, false).getRemainingTtl()).isEqualTo(101);
  }

  @Test
  void aRenewalClearsTheCheckpointThroughRaftBeforeItRenews() {
    lessor.useCheckpoints(raft);
    lessor.granted(1, 100);
    lessor.checkpointed(1, 40);
    lessor.promote();
    clock.advance(Duration.ofSeconds(20));

    assertThat(renew(1)).isEqualTo(LeaseRenewResponse.newBuilder()
        .setStatus(LeasePeerStatus.LEASE_OK).setTtl(100).build());

    assertThat(raft.proposed).containsExactly(request(checkpoint(1, 0)));
    assertThat(lessor.lookup(1).remainingTtl).isZero();
    assertThat(lessor.timeToLive(1, false).getRemainingTtl()).isEqualTo(100);
    lessor.demote();
    lessor.promote();
    assertThat(lessor.timeToLive(1, false).getRemainingTtl())
        .as("a later leader starts from the full TTL again").isEqualTo(101);

    assertThat(renew(1).getStatus()).isEqualTo(LeasePeerStatus.LEASE_OK);
    assertThat(raft.proposed).as("no checkpoint to clear: no entry").hasSize(1);
  }

  @Test
  void aRenewalWhoseClearFailsAnswersNotLeaderAndRenewsNothing() {
    lessor.useCheckpoints(raft);
    lessor.granted(1, 100);
    lessor.checkpointed(1, 40);
    lessor.promote();
    raft.fail = true;

    assertThat(renew(1).getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_LEADER);
    assertThat(lessor.timeToLive(1, false).getRemainingTtl()).isEqualTo(41);
  }

  private LeaseRenewResponse renew(long id) {
    return lessor.renew(id).orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static LeaseCheckpoint checkpoint(long id, long remaining) {
    return LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(remaining).build();
  }

  private static LeaseCheckpointRequest request(LeaseCheckpoint... checkpoints) {
    return LeaseCheckpointRequest.newBuilder().addAllCheckpoints(List.of(checkpoints)).build();
  }
}
