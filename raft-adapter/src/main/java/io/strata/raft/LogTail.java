package io.strata.raft;

/**
 * The entries a running member's Raft log holds after an index: what lowering the storage version
 * must check, since those entries are replayed on top of a snapshot at that index.
 *
 * <p>Threading: safe to call from the apply thread while jraft appends.
 */
@FunctionalInterface
public interface LogTail {
  RaftLogInspector.LogScan after(long index);
}
