package io.strata.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimedLogStorageTest {
  /** A log whose appends take 3 ms of a fake clock each, and that refuses appends when told to. */
  private static final class SlowLog implements LogStorage {
    final AtomicLong clock;
    boolean refuse;
    final List<LogEntry> entries = new ArrayList<>();

    SlowLog(AtomicLong clock) {
      this.clock = clock;
    }

    @Override
    public boolean appendEntry(LogEntry entry) {
      clock.addAndGet(3_000_000);
      return !refuse && entries.add(entry);
    }

    @Override
    public int appendEntries(List<LogEntry> batch) {
      clock.addAndGet(3_000_000);
      if (refuse) {
        return 0;
      }
      entries.addAll(batch);
      return batch.size();
    }

    @Override public boolean init(LogStorageOptions options) { return true; }
    @Override public void shutdown() { }
    @Override public long getFirstLogIndex() { return 1; }
    @Override public long getLastLogIndex() { return entries.size(); }
    @Override public LogEntry getEntry(long index) { return entries.get((int) index - 1); }
    @Override public long getTerm(long index) { return 1; }
    @Override public boolean truncatePrefix(long firstIndexKept) { return true; }
    @Override public boolean truncateSuffix(long lastIndexKept) { return true; }
    @Override public boolean reset(long nextLogIndex) { return true; }
  }

  @Test
  void every_append_that_reached_the_log_is_reported_with_its_duration() {
    AtomicLong clock = new AtomicLong();
    SlowLog log = new SlowLog(clock);
    List<String> appended = new ArrayList<>();
    TimedLogStorage timed = new TimedLogStorage(log, new RaftObserver() {
      @Override
      public void logAppended(int entries, long nanos) {
        appended.add(entries + " in " + nanos);
      }
    }, clock::get);

    assertThat(timed.appendEntries(List.of(new LogEntry(), new LogEntry()))).isEqualTo(2);
    assertThat(timed.appendEntry(new LogEntry())).isTrue();
    log.refuse = true;
    assertThat(timed.appendEntries(List.of(new LogEntry()))).isZero();

    assertThat(appended).containsExactly("2 in 3000000", "1 in 3000000");
    assertThat(timed.getLastLogIndex()).as("reads go to the wrapped log").isEqualTo(3);
  }
}
