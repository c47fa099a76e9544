package io.strata.server.lease;

import io.grpc.BindableService;
import io.strata.api.peerpb.LeaseRenewRequest;
import io.strata.api.peerpb.LeaseRenewResponse;
import io.strata.api.peerpb.LeaseTimeToLivePeerRequest;
import io.strata.api.peerpb.LeaseTimeToLivePeerResponse;
import io.strata.raft.RaftNode;
import io.strata.raft.RaftObserver;
import io.strata.server.LeaseKeys;
import io.strata.server.MemberContext;
import io.strata.server.Proposer;
import io.strata.storage.Backend;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The lease feature of one member, wired in two steps because the apply core exists before Raft
 * and the service needs Raft:
 * <ol>
 *   <li>{@link #Leases}: the lessor, rebuilt from the store, and the applier. Hand {@link #keys()}
 *       to the KV applier, {@link #applier()} to the dispatcher as the lease applier and as a
 *       commit listener, {@link #observer()} to the Raft node;</li>
 *   <li>{@link #serve}: before {@code raft.start()}, registers the peer handlers for forwarded
 *       keep-alives and TTL queries, starts the expiry check and the lease checkpoints, and returns
 *       the gRPC service.</li>
 * </ol>
 *
 * <p>Threading: construct and call {@link #serve} / {@link #close} from the start-up thread.
 */
public final class Leases implements AutoCloseable {
  /** How often the leader looks for expired leases (etcd: every 500 ms). */
  static final long EXPIRY_CHECK_MS = 500;
  /** At most this many revokes per check: etcd's rate of 1000 revokes a second. */
  static final int MAX_REVOKES_PER_CHECK = 500;
  /** An expired lease whose revoke was proposed but did not take effect is proposed again after this (etcd: 3 s). */
  static final long REVOKE_RETRY_MS = 3000;

  private final long minTtlSeconds;
  private final Lessor lessor;
  private final LeaseApplier applier;
  private ScheduledFuture<?> expiryChecks;
  private ScheduledFuture<?> checkpointChecks;

  /**
   * @param heartbeatMs       {@code --heartbeat-interval}
   * @param electionTimeoutMs {@code --election-timeout}: the minimum TTL derives from it, and a
   *                          new leader gives every lease this much on top of its TTL (etcd)
   */
  public Leases(Backend backend, Ticker ticker, long heartbeatMs, long electionTimeoutMs) {
    this.minTtlSeconds = LeaseLimits.minTtlSeconds(heartbeatMs, electionTimeoutMs);
    this.lessor = new Lessor(ticker, electionTimeoutMs, REVOKE_RETRY_MS, TimeUnit.MILLISECONDS);
    this.lessor.reload(backend);
    this.applier = new LeaseApplier(lessor, backend);
  }

  /** For the KV applier: lease existence and key attachment. */
  public LeaseKeys keys() {
    return lessor;
  }

  /** The lease applier; it is also a commit listener (register it as both). */
  public LeaseApplier applier() {
    return applier;
  }

  /** Moves the lessor between leader and follower as Raft leadership changes. */
  public RaftObserver observer() {
    return new RaftObserver() {
      @Override
      public void leadershipChanged(boolean isLeader) {
        if (isLeader) {
          lessor.promote();
        } else {
          lessor.demote();
        }
      }
    };
  }

  public Lessor lessor() {
    return lessor;
  }

  /**
   * Registers the peer handlers (call before {@code raft.start()}), starts the expiry check and
   * the lease checkpoints on {@code timer} and returns the gRPC service to add to the client server.
   *
   * @param checkpointInterval  {@code --lease-checkpoint-interval}: how often the leader records
   *                            leases' remaining TTLs; zero or negative: never periodically
   * @param checkpointsAllowed  whether the cluster version allows lease checkpoints (its capability)
   */
  public BindableService serve(RaftNode raft, MemberContext member, Proposer proposer,
      ScheduledExecutorService timer, long requestTimeoutMs, Duration checkpointInterval,
      BooleanSupplier checkpointsAllowed) {
    Checkpoints checkpoints = Checkpoints.throughRaft(raft, checkpointsAllowed);
    lessor.useCheckpoints(checkpoints);
    if (!checkpointInterval.isNegative() && !checkpointInterval.isZero()) {
      LeaseCheckpointer checkpointer = new LeaseCheckpointer(lessor, checkpoints, checkpointInterval);
      long intervalMs = Math.max(1, checkpointInterval.toMillis());
      checkpointChecks = timer.scheduleWithFixedDelay(checkpointer::checkSafely, intervalMs, intervalMs,
          TimeUnit.MILLISECONDS);
    }
    LeaderLeases leader = new LeaderLeases(lessor, PeerRoute.of(raft), timer, requestTimeoutMs);
    raft.transport().handle(LeaseRenewRequest.getDefaultInstance(), LeaseRenewResponse.getDefaultInstance(),
        leader::serveRenew);
    raft.transport().handle(LeaseTimeToLivePeerRequest.getDefaultInstance(),
        LeaseTimeToLivePeerResponse.getDefaultInstance(), leader::serveTimeToLive);
    LeaseExpirer expirer = new LeaseExpirer(lessor, LeaseExpirer.throughRaft(raft), MAX_REVOKES_PER_CHECK);
    expiryChecks = timer.scheduleWithFixedDelay(expirer::checkSafely, EXPIRY_CHECK_MS, EXPIRY_CHECK_MS,
        TimeUnit.MILLISECONDS);
    LeaseIds ids = new LeaseIds(member.memberId(), System::currentTimeMillis);
    return new LeaseService(member, proposer, leader, lessor, ids, minTtlSeconds);
  }

  @Override
  public void close() {
    if (expiryChecks != null) {
      expiryChecks.cancel(false);
    }
    if (checkpointChecks != null) {
      checkpointChecks.cancel(false);
    }
    lessor.close();
  }
}
