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

  /** A snapshot download from the leader made no progress and was cancelled; the leader sends it again. */
  default void snapshotDownloadCancelled() { }

  /**
   * This member started leading ({@code true}: every entry committed before its term has been
   * applied) or stopped leading ({@code false}). Runs on the apply thread, in order with applies.
   */
  default void leadershipChanged(boolean isLeader) { }

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
    };
  }
}
