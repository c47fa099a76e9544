package io.strata.server;

import io.strata.api.mvccpb.Event;
import io.strata.storage.Backend;
import io.strata.storage.Compactor;
import io.strata.storage.MetaKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs physical compactions on one background thread, in the order Raft accepted them, so the
 * apply thread never waits for them. Waiters for a revision (Compact with {@code physical}) are
 * completed when a compaction at or above it finishes.
 *
 * <p>Threading: {@link #scheduleAfterCommit} and the listener callbacks on the apply thread,
 * {@link #awaitCompacted} from any thread.
 */
final class PhysicalCompactor implements CommitListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PhysicalCompactor.class);

  private final Backend backend;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "strata-compactor");
    thread.setDaemon(true);
    return thread;
  });
  private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiters = new ConcurrentSkipListMap<>();
  private volatile long finished;
  private long acceptedInBatch;

  PhysicalCompactor(Backend backend) {
    this.backend = backend;
    this.finished = backend.metaLong(MetaKey.FINISHED_COMPACT_REVISION);
  }

  /** Continues a compaction a crash interrupted. */
  void resume() {
    long scheduled = backend.metaLong(MetaKey.SCHEDULED_COMPACT_REVISION);
    if (scheduled > finished) {
      schedule(scheduled);
    }
  }

  /** A compaction accepted in the batch being applied; it starts once the batch is durable. */
  void scheduleAfterCommit(long revision) {
    acceptedInBatch = revision;
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    if (acceptedInBatch > 0) {
      schedule(acceptedInBatch);
      acceptedInBatch = 0;
    }
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    acceptedInBatch = 0;
    finished = backend.metaLong(MetaKey.FINISHED_COMPACT_REVISION);
    resume();
  }

  private void schedule(long revision) {
    worker.execute(() -> {
      long started = System.nanoTime();
      long removed = Compactor.compact(backend, revision);
      finished = Math.max(finished, revision);
      LOG.info("compacted to revision {}: removed {} versions in {} ms", revision, removed,
          (System.nanoTime() - started) / 1_000_000);
      completeWaiters();
    });
  }

  /** Completes when physical compaction has reached {@code revision}. */
  CompletableFuture<Void> awaitCompacted(long revision) {
    CompletableFuture<Void> waiter = waiters.computeIfAbsent(revision, r -> new CompletableFuture<>());
    completeWaiters();
    return waiter;
  }

  private void completeWaiters() {
    var done = waiters.headMap(finished, true);
    done.values().forEach(w -> w.complete(null));
    done.clear();
  }

  @Override
  public void close() {
    worker.shutdownNow();
    waiters.values().forEach(w -> w.completeExceptionally(new IllegalStateException("stopped")));
  }
}
