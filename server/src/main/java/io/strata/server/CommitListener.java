package io.strata.server;

import io.strata.api.mvccpb.Event;
import java.util.List;

/**
 * Told, on the apply thread, that a batch of applied entries is durable in the state database.
 * Implementations must not block: hand work to another thread.
 */
public interface CommitListener {
  /**
   * @param events       the key events of the batch, in revision order
   * @param revision     the store revision after the batch
   * @param appliedIndex the Raft index of the batch's last entry
   */
  void committed(List<Event> events, long revision, long appliedIndex);

  /** The state database was replaced by a snapshot: in-memory state derived from it must be rebuilt. */
  default void snapshotInstalled(long appliedIndex) { }
}
