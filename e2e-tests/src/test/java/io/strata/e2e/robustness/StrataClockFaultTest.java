package io.strata.e2e.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.strata.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.FakeClock;
import io.strata.e2e.harness.Leadership;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clock faults (issue 5; shared/RELIABILITY.md B3 and criterion 9): the leader runs under
 * libfaketime with its wall clock 2 h ahead, and while leases live its wall clock jumps a day
 * forward, then back to 3 h behind. Leases run on the leader's monotonic clock, so:
 *
 * <ul>
 *   <li>no lease expires before its TTL: every answer saying a lease is gone must arrive at least
 *       TTL after its grant was sent (this JVM's monotonic clock), and its key must stay until then;
 *   <li>a lease without keep-alives does expire, within {@link #EXPIRY_SLACK} after its TTL (a
 *       backward jump must not keep it alive for hours);
 *   <li>a lease kept alive every second never expires: every keep-alive answer has a positive TTL
 *       and the lease and its key are there at the end.
 * </ul>
 *
 * Validity: the leader's HTTP Date header shows each offset, so the jumps really happened.
 */
class StrataClockFaultTest {
  private static final long TTL_SECONDS = 4;
  private static final long KEPT_TTL_SECONDS = 5;
  private static final int LEASES_PER_ROUND = 3;
  private static final Duration KEEP_ALIVE_EVERY = Duration.ofSeconds(1);
  /** A lease is revoked through Raft after the leader notices its expiry: bounded, not instant. */
  private static final Duration EXPIRY_SLACK = Duration.ofSeconds(10);
  /** The Date header has whole seconds; libfaketime re-reads its offset within a second. */
  private static final Duration OFFSET_TOLERANCE = Duration.ofSeconds(30);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void leases_expire_by_the_monotonic_clock_whatever_the_leaders_wall_clock_does() {
    ProcessCluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers(),
        c -> FakeClock.of(c.members().get(0)).runUnderFakeTime("+2h"));
    ProcessMember skewed = cluster.members().get(0);
    FakeClock clock = FakeClock.of(skewed);
    Leadership.moveTo(cluster, skewed, Duration.ofSeconds(30));
    awaitOffset(cluster, clock, Duration.ofHours(2));
    EtcdGrpc leader = cluster.grpc(skewed);

    LeaseGrant kept = grant(leader, KEPT_TTL_SECONDS, "/clock/kept");
    KeepAlive keepAlive = new KeepAlive(leader, kept.id);
    for (var jump : List.of(new Jump("+1d", Duration.ofDays(1)),
        new Jump("-3h", Duration.ofHours(-3)))) {
      List<LeaseGrant> leases = new ArrayList<>();
      for (int i = 0; i < LEASES_PER_ROUND; i++) {
        leases.add(grant(leader, TTL_SECONDS, "/clock/" + jump.offset + "/" + i));
      }
      clock.setOffset(jump.offset);
      System.err.printf("[clock-fault] %s's wall clock jumps to %s while %d leases of %d s live%n",
          skewed.name(), jump.offset, leases.size(), TTL_SECONDS);
      cluster.waitFor(skewed.name() + "'s wall clock at " + jump.offset, Duration.ofSeconds(10),
          () -> {
            keepAlive.renewIfDue();
            return isNear(clock.offsetSeen(), jump.expected) ? true : null;
          });

      cluster.waitFor("every lease of the round to expire", Duration.ofSeconds(TTL_SECONDS)
          .plus(EXPIRY_SLACK).plusSeconds(5), () -> {
            keepAlive.renewIfDue();
            boolean allGone = true;
            for (LeaseGrant lease : leases) {
              allGone &= lease.observe(leader);
            }
            return allGone ? true : null;
          });
      for (LeaseGrant lease : leases) {
        long lived = lease.expiredSeenAt - lease.grantSentAt;
        System.err.printf("[clock-fault] lease %x (TTL %d s): first seen gone %d ms after its "
            + "grant was sent%n", lease.id, lease.ttlSeconds, TimeUnit.NANOSECONDS.toMillis(lived));
        assertThat(Duration.ofNanos(lived))
            .as("lease %x of TTL %d s expired early (wall clock jumped to %s)", lease.id,
                lease.ttlSeconds, jump.offset)
            .isGreaterThanOrEqualTo(Duration.ofSeconds(lease.ttlSeconds));
        assertThat(Duration.ofNanos(lived))
            .as("lease %x of TTL %d s expired late (wall clock jumped to %s)", lease.id,
                lease.ttlSeconds, jump.offset)
            .isLessThanOrEqualTo(Duration.ofSeconds(lease.ttlSeconds).plus(EXPIRY_SLACK));
      }
    }

    keepAlive.renewIfDue();
    assertThat(keepAlive.failures).as("keep-alives that did not keep the lease alive").isEmpty();
    LeaseTimeToLiveResponse end = timeToLive(leader, kept.id);
    assertThat(end.getTTL()).as("the kept-alive lease at the end").isPositive();
    assertThat(end.getKeysList()).as("the kept-alive lease's key at the end").hasSize(1);
    assertThat(keepAlive.renewals).as("keep-alives answered").isGreaterThanOrEqualTo(5);
  }

  private record Jump(String offset, Duration expected) {}

  private static void awaitOffset(ProcessCluster cluster, FakeClock clock, Duration expected) {
    cluster.waitFor("the wall clock offset " + expected, Duration.ofSeconds(10),
        () -> isNear(clock.offsetSeen(), expected) ? true : null);
  }

  private static boolean isNear(Duration seen, Duration expected) {
    return seen.minus(expected).abs().compareTo(OFFSET_TOLERANCE) <= 0;
  }

  /** A lease granted by the test with one key attached, and when it was first seen gone. */
  private static final class LeaseGrant {
    final long id;
    final long ttlSeconds;
    final long grantSentAt;
    long expiredSeenAt;

    LeaseGrant(long id, long ttlSeconds, long grantSentAt) {
      this.id = id;
      this.ttlSeconds = ttlSeconds;
      this.grantSentAt = grantSentAt;
    }

    /**
     * Asks whether the lease still lives; true once an answer said the lease or its key is gone
     * (then {@link #expiredSeenAt} is when that answer arrived).
     */
    boolean observe(EtcdGrpc member) {
      if (expiredSeenAt != 0) {
        return true;
      }
      LeaseTimeToLiveResponse r = timeToLive(member, id);
      long answeredAt = System.nanoTime();
      boolean gone = r.getTTL() == -1 || r.getKeysCount() == 0;
      if (gone) {
        expiredSeenAt = answeredAt;
      }
      return gone;
    }
  }

  private static LeaseGrant grant(EtcdGrpc member, long ttlSeconds, String key) {
    long sent = System.nanoTime();
    LeaseGrantResponse granted = LeaseGrpc.newBlockingStub(member.channel())
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build());
    assertThat(granted.getError()).as("lease grant error").isEmpty();
    member.kv(Duration.ofSeconds(5)).put(PutRequest.newBuilder().setKey(EtcdGrpc.bytes(key))
        .setValue(EtcdGrpc.bytes("v")).setLease(granted.getID()).build());
    return new LeaseGrant(granted.getID(), granted.getTTL(), sent);
  }

  private static LeaseTimeToLiveResponse timeToLive(EtcdGrpc member, long id) {
    return LeaseGrpc.newBlockingStub(member.channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build());
  }

  /**
   * Renews one lease at most every {@link #KEEP_ALIVE_EVERY}, noting every answer that did not
   * keep it alive (the test checks them at the end: a probe of a wait must not throw them away).
   */
  private static final class KeepAlive {
    private final EtcdGrpc member;
    private final long id;
    private long lastRenewal = System.nanoTime();
    final List<String> failures = new ArrayList<>();
    int renewals;

    KeepAlive(EtcdGrpc member, long id) {
      this.member = member;
      this.id = id;
    }

    void renewIfDue() {
      if (System.nanoTime() - lastRenewal < KEEP_ALIVE_EVERY.toNanos()) {
        return;
      }
      lastRenewal = System.nanoTime();
      LeaseKeepAliveResponse answer = keepAliveOnce();
      if (answer.getTTL() <= 0) {
        failures.add("keep-alive of lease " + Long.toHexString(id) + " answered TTL "
            + answer.getTTL() + " (0: the lease expired)");
      }
      renewals++;
    }

    private LeaseKeepAliveResponse keepAliveOnce() {
      CompletableFuture<LeaseKeepAliveResponse> answer = new CompletableFuture<>();
      StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(member.channel())
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .leaseKeepAlive(new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {
              answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              answer.completeExceptionally(new IllegalStateException("stream ended unanswered"));
            }
          });
      requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      requests.onCompleted();
      try {
        return answer.get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      } catch (ExecutionException | TimeoutException e) {
        throw new AssertionError("keep-alive of lease " + Long.toHexString(id) + " failed", e);
      }
    }
  }
}
