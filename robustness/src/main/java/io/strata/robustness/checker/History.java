package io.strata.robustness.checker;

import java.util.List;

/**
 * A recorded run: the operations of every client and every watch stream. The store was empty at
 * {@code initialRevision} (etcd starts at 1) when recording began.
 */
public record History(long initialRevision, List<Operation> operations, List<WatchStream> watches) {

  public History {
    operations = List.copyOf(operations);
    watches = List.copyOf(watches);
  }

  public static History of(List<Operation> operations, List<WatchStream> watches) {
    return new History(1, operations, watches);
  }
}
