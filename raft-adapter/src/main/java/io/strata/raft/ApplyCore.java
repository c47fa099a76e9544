package io.strata.raft;

import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.StoreBatch;
import java.nio.file.Path;
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

  /**
   * Whether the member should take a snapshot now, beyond the --snapshot-count schedule (a
   * downgrade puts the entries before the cluster version drop behind a snapshot). Asked after
   * every applied batch and until it says no; may be asked from any thread.
   */
  default boolean snapshotWanted() {
    return false;
  }

  /**
   * A snapshot of everything applied up to {@code appliedIndex} is about to be taken: the last
   * chance to change the state database so that the snapshot carries the change (a downgrade
   * lowers the storage version here, so the snapshot it ships is readable by the older version).
   * {@code logTail} tells what the log holds after the snapshot.
   */
  default void beforeSnapshot(long appliedIndex, LogTail logTail) { }

  /**
   * Why this member cannot load the snapshot database staged in {@code snapshotDb}, or null when
   * it can (a snapshot whose storage version is newer than this member's version is refused).
   */
  default String refuseSnapshot(Path snapshotDb) {
    return null;
  }
}
