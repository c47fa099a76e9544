package io.strata.server;

import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.StoreBatch;

/**
 * One feature's share of the apply core (leases, membership, auth, alarms). Same contract as
 * {@link io.strata.raft.ApplyCore}: deterministic, apply thread only, business outcomes as values.
 */
public interface CommandApplier {
  ApplyResult apply(Entry entry, long index, StoreBatch batch);
}
