package io.strata.server;

import io.strata.api.mvccpb.Event;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Lets a caller wait until this member has applied the log up to an index: a member that
 * forwarded a write answers its client only once it has applied the write itself, so the client's
 * next read from the same member sees it (etcd's behaviour).
 *
 * <p>Threading: {@link #awaitApplied} from any thread; completions on the apply thread.
 */
final class AppliedIndexWaiter implements CommitListener {
  private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();
  private volatile long applied;

  AppliedIndexWaiter(long appliedAtStart) {
    this.applied = appliedAtStart;
  }

  CompletableFuture<Void> awaitApplied(long index) {
    if (index <= applied) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> waiter = waiters.computeIfAbsent(index, i -> new CompletableFuture<>());
    if (index <= applied) {
      complete();
    }
    return waiter;
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    applied = appliedIndex;
    complete();
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    applied = appliedIndex;
    complete();
  }

  private void complete() {
    var done = waiters.headMap(applied, true);
    done.values().forEach(w -> w.complete(null));
    done.clear();
  }
}
