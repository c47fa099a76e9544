package io.strata.raft;

import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.util.Describer;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * jraft's log storage with its appends timed. With {@code RaftOptions.sync} on (as {@link RaftNode}
 * sets it), each append is one RocksDB write with {@code sync=true}: the write into RocksDB's WAL
 * and its fsync, before jraft acknowledges the entries. That is what this member waits on where
 * etcd waits on its WAL's fsync, so the duration of every append is reported as one "fsync".
 *
 * <p>Threading: as the wrapped storage (jraft calls appends from its single log thread); the
 * observer is called on that thread.
 */
final class TimedLogStorage implements LogStorage, Describer {
  private final LogStorage delegate;
  private final RaftObserver observer;
  private final LongSupplier nanoClock;

  TimedLogStorage(LogStorage delegate, RaftObserver observer, LongSupplier nanoClock) {
    this.delegate = delegate;
    this.observer = observer;
    this.nanoClock = nanoClock;
  }

  @Override
  public boolean appendEntry(LogEntry entry) {
    long started = nanoClock.getAsLong();
    boolean appended = delegate.appendEntry(entry);
    if (appended) {
      observer.logAppended(1, nanoClock.getAsLong() - started);
    }
    return appended;
  }

  @Override
  public int appendEntries(List<LogEntry> entries) {
    long started = nanoClock.getAsLong();
    int appended = delegate.appendEntries(entries);
    if (appended > 0) {
      observer.logAppended(appended, nanoClock.getAsLong() - started);
    }
    return appended;
  }

  @Override
  public boolean init(LogStorageOptions options) {
    return delegate.init(options);
  }

  @Override
  public void shutdown() {
    delegate.shutdown();
  }

  @Override
  public long getFirstLogIndex() {
    return delegate.getFirstLogIndex();
  }

  @Override
  public long getLastLogIndex() {
    return delegate.getLastLogIndex();
  }

  @Override
  public LogEntry getEntry(long index) {
    return delegate.getEntry(index);
  }

  @Override
  public long getTerm(long index) {
    return delegate.getTerm(index);
  }

  @Override
  public boolean truncatePrefix(long firstIndexKept) {
    return delegate.truncatePrefix(firstIndexKept);
  }

  @Override
  public boolean truncateSuffix(long lastIndexKept) {
    return delegate.truncateSuffix(lastIndexKept);
  }

  @Override
  public boolean reset(long nextLogIndex) {
    return delegate.reset(nextLogIndex);
  }

  @Override
  public void describe(Printer out) {
    if (delegate instanceof Describer describer) {
      describer.describe(out);
    }
  }
}
