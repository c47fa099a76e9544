package io.strata.server.lease;

import io.strata.api.etcdserverpb.LeaseCheckpoint;
import io.strata.api.etcdserverpb.LeaseCheckpointRequest;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes lease checkpoints on the leader (etcd's {@code --experimental-lease-checkpoint-interval};
 * Strata's {@code --lease-checkpoint-interval}, default 5m): at each {@link #check()} the leases
 * that are due ({@link Lessor#checkpointsDue}) are proposed in {@code lease_checkpoint} entries of
 * at most {@link #MAX_PER_ENTRY} checkpoints each (etcd's batch limit), but only when the cluster
 * version allows lease checkpoints. A failed proposal is not retried: the next check proposes
 * what is due then.
 *
 * <p>Threading: {@link #check()} runs on one scheduler thread at a time; it never blocks.
 */
public final class LeaseCheckpointer {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseCheckpointer.class);
  /** At most this many checkpoints in one entry (etcd: maxLeaseCheckpointBatchSize). */
  static final int MAX_PER_ENTRY = 1000;

  private final Lessor lessor;
  private final Checkpoints checkpoints;
  private final long minTtlSeconds;

  /** @param interval the checkpoint interval: leases not longer than it (whole seconds) are never checkpointed */
  public LeaseCheckpointer(Lessor lessor, Checkpoints checkpoints, Duration interval) {
    this.lessor = lessor;
    this.checkpoints = checkpoints;
    this.minTtlSeconds = interval.getSeconds();
  }

  /** Proposes the checkpoints due now; returns how many entries were proposed. */
  public int check() {
    if (!checkpoints.allowed()) {
      return 0;
    }
    List<LeaseCheckpoint> due = lessor.checkpointsDue(minTtlSeconds);
    int entries = 0;
    for (int from = 0; from < due.size(); from += MAX_PER_ENTRY) {
      List<LeaseCheckpoint> chunk = due.subList(from, Math.min(due.size(), from + MAX_PER_ENTRY));
      checkpoints.propose(LeaseCheckpointRequest.newBuilder().addAllCheckpoints(chunk).build())
          .whenComplete((ok, failure) -> {
            if (failure != null) {
              LOG.debug("lease checkpoint of {} leases not committed: {}", chunk.size(), failure.toString());
            }
          });
      entries++;
    }
    return entries;
  }

  /** {@link #check()} for a periodic task: a failure is logged and the next check still runs. */
  void checkSafely() {
    try {
      check();
    } catch (Throwable e) {
      LOG.error("lease checkpoint failed; trying again at the next interval", e);
    }
  }
}
