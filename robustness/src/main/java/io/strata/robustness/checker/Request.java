package io.strata.robustness.checker;

import java.util.List;

/** What a client asked for: the subset of etcd's KV and Lease API the robustness traffic uses. */
public sealed interface Request {

  /** Whether applying this request can create a revision (its outcome must then be known). */
  boolean mayWrite();

  /** A get or range; {@code revision} 0 reads the latest. */
  record Range(KeyRange range, long revision) implements Request {
    @Override
    public boolean mayWrite() {
      return false;
    }
  }

  /** A put of a value unique in the history (indeterminate puts are resolved by it). */
  record Put(String key, String value, long lease, boolean prevKv) implements Request {
    @Override
    public boolean mayWrite() {
      return true;
    }
  }

  record Delete(KeyRange range, boolean prevKv) implements Request {
    @Override
    public boolean mayWrite() {
      return true;
    }
  }

  /** Sub-requests are Range, Put, Delete or (nested) Txn; all writes of a txn share a revision. */
  record Txn(List<Compare> compares, List<Request> success, List<Request> failure)
      implements Request {
    public Txn {
      compares = List.copyOf(compares);
      success = List.copyOf(success);
      failure = List.copyOf(failure);
    }

    @Override
    public boolean mayWrite() {
      return success.stream().anyMatch(Request::mayWrite)
          || failure.stream().anyMatch(Request::mayWrite);
    }
  }

  record LeaseGrant(long id, long ttlSeconds) implements Request {
    @Override
    public boolean mayWrite() {
      return false;
    }
  }

  /** Revoking a lease deletes the keys attached to it, in one revision. */
  record LeaseRevoke(long id) implements Request {
    @Override
    public boolean mayWrite() {
      return true;
    }
  }

  record Compact(long revision) implements Request {
    @Override
    public boolean mayWrite() {
      return false;
    }
  }
}
