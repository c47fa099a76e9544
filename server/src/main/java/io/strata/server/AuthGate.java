package io.strata.server;

import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.StoreBatch;

/**
 * Re-checks, at apply time, that the entry's user may do what it asks, against the auth state of
 * the batch (a request checked at an older auth revision may have lost its permission since).
 * Apply thread only.
 */
public interface AuthGate {
  /** Permits everything (auth not built in). */
  AuthGate OPEN = (entry, batch) -> null;

  /** Null when permitted, else the error result to return instead of applying. */
  ApplyResult deny(Entry entry, StoreBatch batch);
}
