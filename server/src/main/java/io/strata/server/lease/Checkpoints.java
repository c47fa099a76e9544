package io.strata.server.lease;

import io.strata.api.etcdserverpb.LeaseCheckpointRequest;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.raft.ProposalCallback;
import io.strata.raft.RaftNode;
import io.strata.raft.RaftUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * How the leader's lessor records lease checkpoints (etcd's lease checkpointing, Strata 1.1): a
 * {@code lease_checkpoint} entry through Raft carrying leases' remaining TTLs, which every member
 * applies to its lease records, so a new leader starts each lease from what was left instead of
 * from its full TTL.
 *
 * <p>Threading: thread-safe; {@link #propose} never blocks.
 */
public interface Checkpoints {
  /** Checkpoints are never taken (tests, and a member not wired to Raft). */
  Checkpoints NONE = new Checkpoints() {
    @Override
    public boolean allowed() {
      return false;
    }

    @Override
    public CompletableFuture<Void> propose(LeaseCheckpointRequest request) {
      return CompletableFuture.failedFuture(new IllegalStateException("lease checkpoints are off"));
    }
  };

  /**
   * Whether the cluster version allows proposing checkpoints and starting leases from them (its
   * capability {@code supportsLeaseCheckpoints()}).
   */
  boolean allowed();

  /**
   * Proposes {@code request} to the local Raft node (never forwarded: only the leader's clock knows
   * the remaining TTLs). Completes once applied here, exceptionally when it certainly did not commit.
   */
  CompletableFuture<Void> propose(LeaseCheckpointRequest request);

  /** Checkpoints proposed to {@code raft}, while {@code allowed} says the cluster version allows them. */
  static Checkpoints throughRaft(RaftNode raft, BooleanSupplier allowed) {
    return new Checkpoints() {
      @Override
      public boolean allowed() {
        return allowed.getAsBoolean();
      }

      @Override
      public CompletableFuture<Void> propose(LeaseCheckpointRequest request) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean accepted = raft.propose(Entry.newBuilder().setLeaseCheckpoint(request).build(),
            new ProposalCallback() {
              @Override
              public void applied(ApplyResult result) {
                done.complete(null);
              }

              @Override
              public void failed(RaftUnavailableException reason) {
                done.completeExceptionally(reason);
              }
            });
        if (!accepted) {
          done.completeExceptionally(new IllegalStateException("the checkpoint proposal was not accepted"));
        }
        return done;
      }
    };
  }
}
