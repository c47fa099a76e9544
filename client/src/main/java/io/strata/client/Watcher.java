package io.strata.client;

import java.util.concurrent.CompletableFuture;

/**
 * A running watch (see {@link WatchClient#watch}). Closing it ends the watch: the listener gets
 * {@link WatchListener#onCompleted} unless the watch had ended already.
 *
 * <p>Threading: thread-safe; {@link #close} does not block.
 */
public interface Watcher extends AutoCloseable {
  /**
   * Completes with the header revision of the member's first "created" answer: events after it
   * (or from the requested start revision) will be delivered. Completes exceptionally if the
   * watch ends before it was created.
   */
  CompletableFuture<Long> created();

  @Override
  void close();
}
