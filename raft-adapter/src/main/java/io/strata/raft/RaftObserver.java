package io.strata.raft;

import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;

/**
 * Notified of Raft events worth measuring. Implementations must be cheap and non-blocking: they
 * run on jraft's threads.
 */
public interface RaftObserver {
  RaftObserver NONE = new RaftObserver() { };

  /** This member saw a new leader (itself or another), or lost the one it had. */
  default void leaderChanged() { }

  /** A snapshot was saved, taking {@code nanos}. */
  default void snapshotSaved(long nanos) { }

  /** A snapshot received from the leader was installed. */
  default void snapshotInstalled() { }

  /** A snapshot download from the leader made no progress and was cancelled; the leader sends it again. */
  default void snapshotDownloadCancelled() { }

  /**
   * This member started leading ({@code true}: every entry committed before its term has been
   * applied) or stopped leading ({@code false}). Runs on the apply thread, in order with applies.
   */
  default void leadershipChanged(boolean isLeader) { }

  /**
   * jraft's log storage appended {@code entries} entries and fsynced them (one RocksDB write with
   * sync), taking {@code nanos}: this member's equivalent of etcd's WAL fsync. Runs on jraft's log
   * thread.
   */
  default void logAppended(int entries, long nanos) { }

  /** One applied group of entries was written to the state database, taking {@code nanos}. */
  default void stateBatchCommitted(long nanos) { }

  /**
   * {@code entry} was applied with {@code result}, taking {@code nanos} (into the batch, before
   * its commit); on the apply thread, leader and followers alike.
   */
  default void entryApplied(Entry entry, ApplyResult result, long nanos) { }

  /** The leader accepted a proposal of this member; {@link #proposalDone} follows exactly once. */
  default void proposalStarted() { }

  /** A proposal started here was applied ({@code applied}) or failed (leader change, timeout, stop). */
  default void proposalDone(boolean applied) { }

  /** Forwards every event to each of {@code observers} in turn (add new events here too). */
  static RaftObserver all(RaftObserver... observers) {
    RaftObserver[] targets = observers.clone();
    return new RaftObserver() {
      @Override
      public void leaderChanged() {
        for (RaftObserver o : targets) {
          o.leaderChanged();
        }
      }

      @Override
      public void snapshotSaved(long nanos) {
        for (RaftObserver o : targets) {
          o.snapshotSaved(nanos);
        }
      }

      @Override
      public void snapshotInstalled() {
        for (RaftObserver o : targets) {
          o.snapshotInstalled();
        }
      }

      @Override
      public void snapshotDownloadCancelled() {
        for (RaftObserver o : targets) {
          o.snapshotDownloadCancelled();
        }
      }

      @Override
      public void leadershipChanged(boolean isLeader) {
        for (RaftObserver o : targets) {
          o.leadershipChanged(isLeader);
        }
      }

      @Override
      public void logAppended(int entries, long nanos) {
        for (RaftObserver o : targets) {
          o.logAppended(entries, nanos);
        }
      }

      @Override
      public void stateBatchCommitted(long nanos) {
        for (RaftObserver o : targets) {
          o.stateBatchCommitted(nanos);
        }
      }

      @Override
      public void entryApplied(Entry entry, ApplyResult result, long nanos) {
        for (RaftObserver o : targets) {
          o.entryApplied(entry, result, nanos);
        }
      }

      @Override
      public void proposalStarted() {
        for (RaftObserver o : targets) {
          o.proposalStarted();
        }
      }

      @Override
      public void proposalDone(boolean applied) {
        for (RaftObserver o : targets) {
          o.proposalDone(applied);
        }
      }
    };
  }
}
