package io.strata.robustness.checker;

import java.util.List;

/**
 * What the server answered. {@link #revision()} is the response header's revision. A definite
 * failure is an {@link Error}; an unknown outcome (timeout, lost connection) has no response at all.
 */
public sealed interface Response {

  long revision();

  record Range(long revision, List<KeyValue> kvs) implements Response {
    public Range {
      kvs = List.copyOf(kvs);
    }
  }

  /** {@code prevKv} is null when not asked for or when the key did not exist. */
  record Put(long revision, KeyValue prevKv) implements Response {}

  record Delete(long revision, long deleted, List<KeyValue> prevKvs) implements Response {
    public Delete {
      prevKvs = prevKvs == null ? List.of() : List.copyOf(prevKvs);
    }
  }

  record Txn(long revision, boolean succeeded, List<Response> responses) implements Response {
    public Txn {
      responses = List.copyOf(responses);
    }
  }

  record LeaseGrant(long revision, long id) implements Response {}

  record LeaseRevoke(long revision) implements Response {}

  record Compact(long revision) implements Response {}

  /**
   * A definite failure: the request had no effect. {@code "compacted"} on a read at a compacted
   * revision is the only error the checker examines; recorders must record timeouts as unknown.
   */
  record Error(String message) implements Response {
    /** A read (or compaction) at a revision below the compaction revision. */
    public static final String COMPACTED = "compacted";
    /** A read (or compaction) at a revision the store has not reached. */
    public static final String FUTURE_REVISION = "future revision";

    @Override
    public long revision() {
      return 0;
    }
  }
}
