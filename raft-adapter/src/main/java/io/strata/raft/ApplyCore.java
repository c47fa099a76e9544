package io.strata.raft;

import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.StoreBatch;
import java.util.List;

/**
 * The deterministic part of applying the replicated log, implemented by the server. Given the same
 * entries and the same store state, every member must produce the same store changes and results:
 * an implementation never reads the wall clock, randomness or the member's Raft role.
 *
 * <p>Two error channels: business outcomes (a failed compare, a compacted revision) are
 * {@link ApplyResult} values; an exception thrown from {@link #apply} is fatal and stops the member.
 *
 * <p>Threading: every method is called on the single apply thread.
 */
public interface ApplyCore {
  /** Applies one committed entry into {@code batch}. */
  ApplyResult apply(Entry entry, long index, long term, StoreBatch batch);

  /** The batch holding entries up to {@code appliedIndex} is now in the state database. */
  void committed(List<Event> events, long revision, long appliedIndex);

  /** The state database was replaced by a snapshot from the leader. */
  void snapshotInstalled(long appliedIndex);
}
