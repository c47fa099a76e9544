package io.strata.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.storage.SnapshotExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels a snapshot download from the leader that has made no progress for a while, so that the
 * leader sends the snapshot again instead of replication to this member stalling.
 *
 * <p>jraft (1.4.1) can leave a download waiting forever: the InstallSnapshot handler waits in
 * {@code LocalSnapshotCopier.join} for a {@code CopySession} whose file download never finishes,
 * and the leader's replicator, which cannot send another snapshot while the first is unanswered
 * ({@code Replicator.installSnapshot} fails with "already has a snapshot reader"), waits with it
 * for up to {@code rpcInstallSnapshotTimeout}. The watchdog cancels through
 * {@link SnapshotExecutor#interruptDownloadingSnapshots}, jraft's own cancellation for a term
 * change: the copier is cancelled, the InstallSnapshot request is answered with an error and the
 * leader retries. A cancelled download is never loaded (jraft loads a snapshot only from a copier
 * that finished without error), and a snapshot being loaded is never interrupted.
 *
 * <p>Progress is what the copier writes: the files in jraft's temporary snapshot directory.
 *
 * <p>Threading: {@link #check} runs on the watchdog's own scheduler thread; jraft's snapshot
 * executor is thread-safe.
 */
final class SnapshotDownloadWatchdog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotDownloadWatchdog.class);
  /** jraft keeps the snapshot executor private to the node. */
  private static final Field SNAPSHOT_EXECUTOR = field("snapshotExecutor");
  /** jraft's interruption needs the node's current term, which it keeps package-private. */
  private static final Method CURRENT_TERM = method("getCurrentTerm");

  private final Supplier<Node> node;
  private final Path downloadDir;
  private final Duration stallTimeout;
  private final BooleanSupplier loadingSnapshot;
  private final Runnable onCancel;
  private final ScheduledExecutorService scheduler;

  // Confined to the scheduler thread.
  private DownloadProgress lastProgress;
  private long lastProgressNanos;

  /**
   * @param snapshotDir     jraft's snapshot directory (the node's snapshot URI); downloads are
   *                        written to its {@code temp} subdirectory
   * @param loadingSnapshot whether the state machine is loading a snapshot right now
   * @param onCancel        called after a stalled download was cancelled
   */
  SnapshotDownloadWatchdog(Supplier<Node> node, Path snapshotDir, Duration stallTimeout,
      BooleanSupplier loadingSnapshot, Runnable onCancel) {
    this.node = node;
    this.downloadDir = snapshotDir.resolve("temp");
    this.stallTimeout = stallTimeout;
    this.loadingSnapshot = loadingSnapshot;
    this.onCancel = onCancel;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "strata-snapshot-download-watchdog");
      thread.setDaemon(true);
      return thread;
    });
  }

  void start() {
    if (SNAPSHOT_EXECUTOR == null || CURRENT_TERM == null) {
      LOG.warn("cannot watch snapshot downloads on this jraft version; a stalled download is not cancelled");
      return;
    }
    long periodMs = Math.max(10, Math.min(1000, stallTimeout.toMillis() / 4));
    scheduler.scheduleWithFixedDelay(this::checkQuietly, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  private void checkQuietly() {
    try {
      check(System.nanoTime());
    } catch (RuntimeException e) {
      LOG.warn("snapshot download watchdog check failed", e);
    }
  }

  void check(long nowNanos) {
    Node current = node.get();
    SnapshotExecutor executor = current instanceof NodeImpl impl ? snapshotExecutor(impl) : null;
    if (executor == null || !executor.isInstallingSnapshot() || loadingSnapshot.getAsBoolean()) {
      lastProgress = null;
      return;
    }
    DownloadProgress progress = DownloadProgress.of(downloadDir);
    if (!progress.equals(lastProgress)) {
      lastProgress = progress;
      lastProgressNanos = nowNanos;
      return;
    }
    if (nowNanos - lastProgressNanos < stallTimeout.toNanos()) {
      return;
    }
    long term = currentTerm((NodeImpl) current);
    LOG.warn("the snapshot download from the leader made no progress for {} ms ({}); cancelling it so that the "
        + "leader sends the snapshot again", stallTimeout.toMillis(), progress);
    executor.interruptDownloadingSnapshots(term);
    lastProgress = null;
    onCancel.run();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  private static SnapshotExecutor snapshotExecutor(NodeImpl impl) {
    try {
      return (SnapshotExecutor) SNAPSHOT_EXECUTOR.get(impl);
    } catch (IllegalAccessException e) {
      return null;
    }
  }

  private static long currentTerm(NodeImpl impl) {
    try {
      return (long) CURRENT_TERM.invoke(impl);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read jraft's current term", e);
    }
  }

  private static Field field(String name) {
    try {
      Field field = NodeImpl.class.getDeclaredField(name);
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static Method method(String name) {
    try {
      Method method = NodeImpl.class.getDeclaredMethod(name);
      method.setAccessible(true);
      return method;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** What the copier has written so far: any change (a new file, more bytes) is progress. */
  record DownloadProgress(int files, long bytes, long lastModifiedMillis) {
    static DownloadProgress of(Path dir) {
      int files = 0;
      long bytes = 0;
      long lastModified = 0;
      List<Path> entries;
      try (Stream<Path> listed = Files.list(dir)) {
        entries = listed.toList();
      } catch (NoSuchFileException e) {
        return new DownloadProgress(0, 0, 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (Path entry : entries) {
        try {
          BasicFileAttributes attributes = Files.readAttributes(entry, BasicFileAttributes.class);
          files++;
          bytes += attributes.size();
          lastModified = Math.max(lastModified, attributes.lastModifiedTime().toMillis());
        } catch (NoSuchFileException e) {
          // Removed while listing (jraft renames the directory when the download completes).
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return new DownloadProgress(files, bytes, lastModified);
    }
  }
}
