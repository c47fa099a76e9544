package io.strata.client;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.client.internal.Invoker;
import io.strata.client.internal.ResumableWatch;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * etcd's Watch service, with watches that survive member failures. Each watcher has a Watch
 * stream of its own (etcd's clientv3 multiplexes watchers on one stream; one each keeps resuming
 * exact and independent). When the stream fails (member stopped or restarted, connection lost,
 * member without leader: the stream asks for etcd's {@code hasleader}), the watcher is re-created
 * on the next member from the revision after the last event it delivered, so every event is
 * delivered exactly once and in revision order across reconnects. A resume revision that was
 * compacted meanwhile ends the watcher with a {@link WatchCanceledException} carrying etcd's
 * compact revision.
 *
 * <p>Threading: thread-safe; {@link #watch} returns at once. Listener calls: see {@link WatchListener}.
 */
public final class WatchClient {
  private final Invoker invoker;
  private final ScheduledExecutorService scheduler;
  private final Executor executor;
  private final Set<Watcher> running = ConcurrentHashMap.newKeySet();

  WatchClient(Invoker invoker, ScheduledExecutorService scheduler, Executor executor) {
    this.invoker = invoker;
    this.scheduler = scheduler;
    this.executor = executor;
  }

  /** Watches {@code key} from now on. */
  public Watcher watch(ByteString key, WatchListener listener) {
    return watch(WatchCreateRequest.newBuilder().setKey(key).build(), listener);
  }

  /**
   * Watches what {@code request} asks for (key or range, start revision, filters, prev_kv,
   * progress notifications). {@code fragment} is refused: a fragmented revision could not be
   * resumed exactly.
   *
   * @throws IllegalArgumentException if {@code request} asks for fragments
   */
  public Watcher watch(WatchCreateRequest request, WatchListener listener) {
    ResumableWatch[] watch = new ResumableWatch[1];
    watch[0] = new ResumableWatch(request, listener, invoker, scheduler, executor, () -> running.remove(watch[0]));
    running.add(watch[0]);
    return watch[0].start();
  }

  /** Closes every running watcher (the client is closing). */
  void closeAll() {
    running.forEach(Watcher::close);
  }
}
