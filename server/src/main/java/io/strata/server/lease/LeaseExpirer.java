package io.strata.server.lease;

import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.raft.ProposalCallback;
import io.strata.raft.RaftNode;
import io.strata.raft.RaftUnavailableException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes expired leases through Raft, on the leader only. Each {@link #check()} asks the lessor
 * for at most {@code maxPerCheck} expired leases (etcd revokes at most 1000 leases a second; with
 * a check every 500 ms the default is 500 per check) and proposes one {@code lease_revoke} entry
 * for each. A proposal that fails makes its lease eligible again at the next check; one that is
 * accepted but never takes effect is retried after the lessor's retry interval.
 *
 * <p>Threading: {@link #check()} runs on one scheduler thread at a time; it never blocks.
 */
public final class LeaseExpirer {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseExpirer.class);

  /** Proposes the revoke of one lease; calls {@code onFailure} when it certainly did not commit. */
  @FunctionalInterface
  public interface Revoker {
    void revoke(long leaseId, Runnable onFailure);
  }

  private final Lessor lessor;
  private final Revoker revoker;
  private final int maxPerCheck;

  public LeaseExpirer(Lessor lessor, Revoker revoker, int maxPerCheck) {
    this.lessor = lessor;
    this.revoker = revoker;
    this.maxPerCheck = maxPerCheck;
  }

  /** Proposes the revoke of every lease that is due, up to the rate limit. */
  public void check() {
    List<Long> due = lessor.expiredForRevoke(maxPerCheck);
    for (long id : due) {
      LOG.info("lease {} expired; revoking it", Long.toHexString(id));
      revoker.revoke(id, () -> lessor.revokeFailed(id));
    }
  }

  /**
   * {@link #check()} for a periodic task: a failure is logged and the next check still runs (a
   * scheduled task that throws is silently never run again, and leases would stop expiring).
   */
  void checkSafely() {
    try {
      check();
    } catch (Throwable e) {
      LOG.error("lease expiry check failed; checking again at the next interval", e);
    }
  }

  /**
   * Proposes directly to the local Raft node: never forwarded, because only this member's clock
   * says the lease expired, and a member that no longer leads must not revoke anything.
   */
  public static Revoker throughRaft(RaftNode raft) {
    return (leaseId, onFailure) -> {
      Entry entry = Entry.newBuilder()
          .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(leaseId))
          .build();
      boolean accepted = raft.propose(entry, new ProposalCallback() {
        @Override
        public void applied(ApplyResult result) {
          // Done, or "not found" because a client revoked it first: nothing left to do either way.
        }

        @Override
        public void failed(RaftUnavailableException reason) {
          LOG.info("revoke of expired lease {} failed ({}); will retry while leading",
              Long.toHexString(leaseId), reason.reason());
          onFailure.run();
        }
      });
      if (!accepted) {
        onFailure.run();
      }
    };
  }
}
