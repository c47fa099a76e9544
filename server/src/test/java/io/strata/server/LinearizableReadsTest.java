package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.raft.RaftUnavailableException;
import io.strata.raft.RaftUnavailableException.Reason;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Read barriers retry a failed read-index until their deadline, and count every failure but a stop. */
class LinearizableReadsTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger failuresCounted = new AtomicInteger();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  /** Answers each read-index request with the next scripted outcome: a failure reason, or null for success. */
  private static final class ScriptedReadIndex implements LinearizableReads.ReadIndex {
    private final Deque<Reason> outcomes = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();

    ScriptedReadIndex(Reason... failures) {
      outcomes.addAll(java.util.List.of(failures));
    }

    @Override
    public synchronized void request(Runnable onReady, Consumer<RaftUnavailableException> onFailure) {
      requests.incrementAndGet();
      Reason next = outcomes.poll();
      if (next == null) {
        onReady.run();
      } else {
        onFailure.accept(new RaftUnavailableException(next, "scripted"));
      }
    }
  }

  private LinearizableReads reads(LinearizableReads.ReadIndex readIndex, long timeoutMs) {
    return new LinearizableReads(readIndex, timer, timeoutMs, new Failpoints(Set.of()), failuresCounted::incrementAndGet);
  }

  @Test
  void each_failed_read_index_is_counted_and_the_barrier_retries_until_one_succeeds() throws Exception {
    ScriptedReadIndex readIndex = new ScriptedReadIndex(Reason.NO_LEADER, Reason.NOT_LEADER, Reason.TIMEOUT);
    reads(readIndex, 10_000).await().get(10, TimeUnit.SECONDS);
    assertThat(readIndex.requests).hasValue(4);
    assertThat(failuresCounted).hasValue(3);
  }

  @Test
  void a_read_index_that_succeeds_counts_nothing() throws Exception {
    reads(new ScriptedReadIndex(), 10_000).await().get(10, TimeUnit.SECONDS);
    assertThat(failuresCounted).hasValue(0);
  }

  @Test
  void a_read_index_failed_by_the_member_stopping_is_not_counted() {
    assertThatThrownBy(() -> reads(new ScriptedReadIndex(Reason.STOPPED), 10_000).await().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RaftUnavailableException.class);
    assertThat(failuresCounted).hasValue(0);
  }

  @Test
  void a_barrier_past_its_deadline_fails_with_the_last_failure_counted() {
    assertThatThrownBy(() -> reads(new ScriptedReadIndex(Reason.NO_LEADER), 0).await().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(RaftUnavailableException.class);
    assertThat(failuresCounted).hasValue(1);
  }
}
