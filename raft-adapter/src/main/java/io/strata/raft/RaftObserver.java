package io.strata.raft;

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
}
