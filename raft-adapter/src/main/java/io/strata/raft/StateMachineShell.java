package io.strata.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.LeaderChangeContext;
import com.alipay.sofa.jraft.entity.RaftOutter.SnapshotMeta;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RaftException;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's state machine, kept thin: iterate the committed entries, decode each (on every member,
 * leader included), hand it to the {@link ApplyCore}, write the whole group in one batch with its
 * consistent index, then complete the proposers' callbacks.
 *
 * <p>Snapshots are RocksDB checkpoints of the state database. Loading a snapshot whose index is
 * not above the database's consistent index is a no-op: that is the restart case, where the
 * database already holds everything the snapshot holds.
 *
 * <p>Threading: every callback runs on jraft's single FSM thread; the term and leader fields are
 * written there and read from any thread.
 */
final class StateMachineShell extends StateMachineAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(StateMachineShell.class);
  private static final String RAFT_META_FILE = "__raft_snapshot_meta";

  private final Backend backend;
  private final ApplyCore core;
  private final Consumer<Throwable> fatalHandler;
  private final long snapshotCount;
  private final Runnable snapshotTrigger;
  private final RaftObserver observer;
  private final LogTail logTail;
  private final AtomicLong term = new AtomicLong();
  private final AtomicLong appliedIndex = new AtomicLong();
  private volatile long lastSnapshotIndex;
  /** Written on the FSM thread, read by the snapshot download watchdog. */
  private volatile boolean loadingSnapshot;

  StateMachineShell(Backend backend, ApplyCore core, long snapshotCount, Runnable snapshotTrigger,
      RaftObserver observer, LogTail logTail, Consumer<Throwable> fatalHandler) {
    this.backend = backend;
    this.logTail = logTail;
    this.observer = observer;
    this.core = core;
    this.snapshotCount = snapshotCount;
    this.snapshotTrigger = snapshotTrigger;
    this.fatalHandler = fatalHandler;
    try (ReadView view = backend.readView()) {
      appliedIndex.set(view.consistentIndex());
      term.set(view.term());
    }
  }

  long term() {
    return term.get();
  }

  long appliedIndex() {
    return appliedIndex.get();
  }

  boolean isLoadingSnapshot() {
    return loadingSnapshot;
  }

  @Override
  public void onApply(Iterator it) {
    List<Closure> closures = new ArrayList<>();
    List<ApplyResult> results = new ArrayList<>();
    long lastIndex = appliedIndex.get();
    long lastTerm = term.get();
    try (StoreBatch batch = backend.beginBatch()) {
      while (it.hasNext()) {
        long index = it.getIndex();
        if (index > appliedIndex.get()) {
          long applyStarted = System.nanoTime();
          Entry entry = Entry.parseFrom(it.getData());
          ApplyResult result = core.apply(entry, index, it.getTerm(), batch).toBuilder()
              .setAppliedIndex(index).build();
          observer.entryApplied(entry, result, System.nanoTime() - applyStarted);
          if (it.done() != null) {
            closures.add(it.done());
            results.add(result);
          }
        } else if (it.done() != null) {
          // Already in the database (replay after restart): nobody waits for a result here.
          it.done().run(Status.OK());
        }
        lastIndex = Math.max(lastIndex, index);
        lastTerm = it.getTerm();
        it.next();
      }
      batch.setApplied(lastIndex, lastTerm);
      long commitStarted = System.nanoTime();
      batch.commit();
      observer.stateBatchCommitted(System.nanoTime() - commitStarted);
      appliedIndex.set(lastIndex);
      core.committed(batch.events(), batch.currentRevision(), lastIndex);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      LOG.error("applying the log failed at index {}; stopping the member", it.getIndex(), e);
      it.setErrorAndRollback(1, new Status(RaftError.ESTATEMACHINE, "apply failed: %s", e));
      fatalHandler.accept(e);
      return;
    }
    for (int i = 0; i < closures.size(); i++) {
      Closure closure = closures.get(i);
      if (closure instanceof ProposalClosure proposal) {
        proposal.setResult(results.get(i));
      }
      closure.run(Status.OK());
    }
    if (snapshotCount > 0 && lastIndex - lastSnapshotIndex >= snapshotCount) {
      lastSnapshotIndex = lastIndex; // one trigger per interval; the save callback records the real index
      snapshotTrigger.run();
    } else if (core.snapshotWanted()) {
      snapshotTrigger.run();
    }
  }

  @Override
  public void onSnapshotSave(SnapshotWriter writer, Closure done) {
    long started = System.nanoTime();
    Path target = Path.of(writer.getPath());
    Path checkpoint = target.resolveSibling(target.getFileName() + ".checkpoint");
    try {
      core.beforeSnapshot(appliedIndex.get(), logTail);
      Backend.deleteTree(checkpoint);
      backend.checkpoint(checkpoint);
      try (Stream<Path> files = Files.list(checkpoint)) {
        for (Path file : files.toList()) {
          Files.move(file, target.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          if (!writer.addFile(file.getFileName().toString())) {
            throw new IOException("snapshot writer refused " + file.getFileName());
          }
        }
      }
      Backend.deleteTree(checkpoint);
      lastSnapshotIndex = appliedIndex.get();
      observer.snapshotSaved(System.nanoTime() - started);
      done.run(Status.OK());
    } catch (IOException | RuntimeException e) {
      LOG.error("saving a snapshot failed", e);
      done.run(new Status(RaftError.EIO, "snapshot save failed: %s", e));
    }
  }

  @Override
  public boolean onSnapshotLoad(SnapshotReader reader) {
    loadingSnapshot = true;
    try {
      return loadSnapshot(reader);
    } finally {
      loadingSnapshot = false;
    }
  }

  private boolean loadSnapshot(SnapshotReader reader) {
    SnapshotMeta meta = reader.load();
    if (meta == null) {
      LOG.error("snapshot in {} has no metadata", reader.getPath());
      return false;
    }
    lastSnapshotIndex = meta.getLastIncludedIndex();
    if (meta.getLastIncludedIndex() <= appliedIndex.get()) {
      LOG.info("state database at index {} already covers snapshot at index {}",
          appliedIndex.get(), meta.getLastIncludedIndex());
      return true;
    }
    Path source = Path.of(reader.getPath());
    Path staged = installStaging(source);
    try {
      Backend.deleteTree(staged);
      Files.createDirectories(staged);
      try (Stream<Path> files = Files.list(source)) {
        for (Path file : files.toList()) {
          if (!file.getFileName().toString().equals(RAFT_META_FILE)) {
            Files.copy(file, staged.resolve(file.getFileName()));
          }
        }
      }
      String refusal = core.refuseSnapshot(staged);
      if (refusal != null) {
        LOG.error("refusing the snapshot at index {} from the leader: {}", meta.getLastIncludedIndex(), refusal);
        Backend.deleteTree(staged);
        return false;
      }
      backend.replaceWith(staged);
      Backend.deleteTree(staged);
    } catch (IOException | RuntimeException e) {
      // Thrown into jraft, the failure would leave its snapshot load pending forever while this
      // member went on serving; returning false makes jraft report an error, and the member stops.
      LOG.error("installing the snapshot at index {} failed; stopping the member",
          meta.getLastIncludedIndex(), e);
      fatalHandler.accept(e);
      return false;
    }
    try (ReadView view = backend.readView()) {
      appliedIndex.set(view.consistentIndex());
      term.set(Math.max(term.get(), view.term()));
    }
    LOG.info("installed snapshot at index {} (term {})", meta.getLastIncludedIndex(), meta.getLastIncludedTerm());
    core.snapshotInstalled(appliedIndex.get());
    observer.snapshotInstalled();
    return true;
  }

  /**
   * Where a snapshot from the leader is staged before it replaces the state database: beside
   * jraft's {@code snapshot_<index>} directories, under a name jraft skips. At start-up jraft parses
   * every name there that starts with {@code snapshot_} as an index, so a staging directory named
   * after the snapshot and left by a crash mid-install would keep the member from starting.
   */
  static Path installStaging(Path snapshotSource) {
    return snapshotSource.resolveSibling("install.staging");
  }

  @Override
  public void onLeaderStart(long newTerm) {
    term.set(newTerm);
    observer.leaderChanged();
    observer.leadershipChanged(true);
    LOG.info("became leader in term {}", newTerm);
  }

  @Override
  public void onLeaderStop(Status status) {
    observer.leadershipChanged(false);
    LOG.info("stopped leading: {}", status);
  }

  @Override
  public void onStartFollowing(LeaderChangeContext ctx) {
    term.set(ctx.getTerm());
    observer.leaderChanged();
    LOG.info("following {} in term {}", ctx.getLeaderId(), ctx.getTerm());
  }

  @Override
  public void onError(RaftException e) {
    LOG.error("raft node failed: {}", e.getStatus(), e);
    fatalHandler.accept(e);
  }

  /** The callback of a local proposal; the shell hands it the apply result before running it. */
  abstract static class ProposalClosure implements Closure {
    abstract void setResult(ApplyResult result);
  }
}
