package io.strata.server;

import io.grpc.StatusRuntimeException;
import io.strata.raft.RaftNode;
import io.strata.raft.RaftUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Linearizable read barriers via jraft's read-index. A barrier that fails because there is no
 * leader yet is retried until the request timeout, as etcd waits for a leader.
 *
 * <p>Threading: thread-safe; futures complete on jraft threads (callers hop off them).
 */
public final class LinearizableReads {
  private static final long RETRY_DELAY_MS = 50;

  private final ReadIndex readIndex;
  private final ScheduledExecutorService timer;
  private final long timeoutMs;
  private final boolean skipBarrier;
  private final Runnable readIndexFailed;

  /**
   * @param failpoints with {@link Failpoints#READS_WITHOUT_READ_INDEX}, there is no barrier
   * @param readIndexFailed told of every read-index request that Raft failed (no leader, leader
   *     changed, timed out), retries included; not of those failed because the member stops
   */
  LinearizableReads(ReadIndex readIndex, ScheduledExecutorService timer, long timeoutMs,
      Failpoints failpoints, Runnable readIndexFailed) {
    this.readIndex = readIndex;
    this.timer = timer;
    this.timeoutMs = timeoutMs;
    this.skipBarrier = failpoints.readsWithoutReadIndex();
    this.readIndexFailed = readIndexFailed;
  }

  /** Completes once a local read would observe every write committed before this call. */
  public CompletableFuture<Void> await() {
    if (skipBarrier) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> ready = new CompletableFuture<>();
    attempt(ready, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    return ready;
  }

  private void attempt(CompletableFuture<Void> ready, long deadlineNanos) {
    readIndex.request(() -> ready.complete(null), failure -> {
      if (failure.reason() != RaftUnavailableException.Reason.STOPPED) {
        readIndexFailed.run();
      }
      if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_DELAY_MS) >= deadlineNanos
          || failure.reason() == RaftUnavailableException.Reason.STOPPED) {
        ready.completeExceptionally(failure);
      } else {
        timer.schedule(() -> attempt(ready, deadlineNanos), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
      }
    });
  }

  /** Raft's read-index as these barriers use it: {@link RaftNode#readIndex}. */
  interface ReadIndex {
    /** Runs {@code onReady} once a quorum confirmed the read index and it was applied, else {@code onFailure}. */
    void request(Runnable onReady, Consumer<RaftUnavailableException> onFailure);
  }

  public static StatusRuntimeException asStatus(Throwable failure) {
    if (failure instanceof RaftUnavailableException unavailable) {
      return switch (unavailable.reason()) {
        case STOPPED -> EtcdErrors.STOPPED;
        case TIMEOUT -> EtcdErrors.TIMEOUT;
        case NO_LEADER, NOT_LEADER -> EtcdErrors.NO_LEADER;
      };
    }
    return EtcdErrors.TIMEOUT;
  }
}
