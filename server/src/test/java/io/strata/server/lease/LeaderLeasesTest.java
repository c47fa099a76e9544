package io.strata.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.peerpb.LeaseRenewRequest;
import io.strata.api.peerpb.LeaseRenewResponse;
import io.strata.api.peerpb.LeaseTimeToLivePeerRequest;
import io.strata.api.peerpb.LeaseTimeToLivePeerResponse;
import io.strata.server.EtcdErrors;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keep-alives and TTL queries reach the leader's lessor from any member. Two members' lessors are
 * connected by a hand-written route that delivers peer calls to the other member's handlers.
 */
class LeaderLeasesTest {
  private static final long TIMEOUT_MS = 2000;

  private final FakeTicker clock = new FakeTicker();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final Member a = new Member("a");
  private final Member b = new Member("b");
  private final Map<String, Member> members = Map.of("a", a, "b", b);
  private volatile String leader;
  private final AtomicInteger forwarded = new AtomicInteger();

  /** One member: its lessor, its routing, and the same lease table as the other (same applied log). */
  private final class Member {
    final String name;
    final Lessor lessor = new Lessor(clock, 0, 3000, TimeUnit.MILLISECONDS);
    final LeaderLeases leases;

    Member(String name) {
      this.name = name;
      this.leases = new LeaderLeases(lessor, new PeerRoute() {
        @Override
        public String leader() {
          return leader;
        }

        @Override
        public String self() {
          return name;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <R extends Message> CompletableFuture<R> call(String peer, Message request, long timeoutMs) {
          forwarded.incrementAndGet();
          Member target = members.get(peer);
          if (request instanceof LeaseRenewRequest renew) {
            CompletableFuture<LeaseRenewResponse> reply = new CompletableFuture<>();
            target.leases.serveRenew(renew, reply);
            return (CompletableFuture<R>) reply;
          }
          CompletableFuture<LeaseTimeToLivePeerResponse> reply = new CompletableFuture<>();
          target.leases.serveTimeToLive((LeaseTimeToLivePeerRequest) request, reply);
          return (CompletableFuture<R>) reply;
        }
      }, timer, TIMEOUT_MS);
    }
  }

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private void grantEverywhere(long id, long ttl) {
    a.lessor.granted(id, ttl);
    b.lessor.granted(id, ttl);
  }

  @Test
  void aFollowersKeepAliveRenewsTheLeaseOnTheLeadersClock() throws Exception {
    grantEverywhere(1, 10);
    leader = "a";
    a.lessor.promote();
    clock.advance(Duration.ofSeconds(9));

    LeaseRenewResponse renewed = get(b.leases.renew(1));

    assertThat(renewed.getStatus()).isEqualTo(LeasePeerStatus.LEASE_OK);
    assertThat(renewed.getTtl()).isEqualTo(10);
    assertThat(forwarded.get()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(9));
    assertThat(a.lessor.expiredForRevoke(10)).as("renewed at 9 s through the follower").isEmpty();
  }

  @Test
  void aFollowerAsksTheLeaderForTheRemainingTtlAndKeys() throws Exception {
    grantEverywhere(1, 60);
    a.lessor.attach(1, ByteString.copyFromUtf8("k"));
    leader = "a";
    a.lessor.promote();
    clock.advance(Duration.ofSeconds(20));

    LeaseTimeToLivePeerResponse ttl = get(b.leases.timeToLive(1, true));

    assertThat(ttl.getStatus()).isEqualTo(LeasePeerStatus.LEASE_OK);
    assertThat(ttl.getRemainingTtl()).isEqualTo(40);
    assertThat(ttl.getKeysList()).containsExactly(ByteString.copyFromUtf8("k"));
    assertThat(get(b.leases.timeToLive(2, false)).getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_FOUND);
    assertThat(get(b.leases.renew(2)).getStatus()).isEqualTo(LeasePeerStatus.LEASE_NOT_FOUND);
  }

  @Test
  void theLeaderAnswersItselfWithoutThePeerPort() throws Exception {
    grantEverywhere(1, 10);
    leader = "a";
    a.lessor.promote();
    assertThat(get(a.leases.renew(1)).getTtl()).isEqualTo(10);
    assertThat(forwarded.get()).isZero();
  }

  @Test
  void aRequestWaitsForANewLeaderThatHasTakenOver() throws Exception {
    grantEverywhere(1, 10);
    // b won the election but has not yet applied its way to leadership: asked again until it has.
    leader = "b";
    CompletableFuture<LeaseRenewResponse> renewal = b.leases.renew(1);
    CompletableFuture<LeaseRenewResponse> viaA = a.leases.renew(1);
    assertThat(renewal).isNotDone();
    b.lessor.promote();
    assertThat(get(renewal).getStatus()).isEqualTo(LeasePeerStatus.LEASE_OK);
    assertThat(get(viaA).getStatus()).isEqualTo(LeasePeerStatus.LEASE_OK);
  }

  @Test
  void aLeaderThatStepsDownSendsTheRequestOnToTheNextLeader() throws Exception {
    grantEverywhere(1, 10);
    leader = "a";
    a.lessor.promote();
    a.lessor.demote(); // a lost leadership, Raft still names it for a moment
    CompletableFuture<LeaseRenewResponse> renewal = b.leases.renew(1);
    assertThat(renewal).isNotDone();
    leader = "b";
    b.lessor.promote();
    assertThat(get(renewal).getStatus()).isEqualTo(LeasePeerStatus.LEASE_OK);
  }

  @Test
  void withoutALeaderTheRequestFailsWithNoLeaderAtTheTimeout() {
    grantEverywhere(1, 10);
    leader = null;
    assertThatThrownBy(() -> get(b.leases.renew(1)))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(io.grpc.StatusRuntimeException.class)
        .cause().hasMessageContaining("etcdserver: no leader");
    assertThat(LeaderLeases.asStatus(new RuntimeException())).isSameAs(EtcdErrors.TIMEOUT);
  }

  private static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
  }
}
