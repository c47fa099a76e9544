package io.strata.client.bench;

import io.grpc.Channel;
import io.grpc.Status;
import io.strata.api.etcdserverpb.KVGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Drives a closed-loop load against the KV service and measures it: {@code clients} simulated
 * clients, each with at most one request in flight, spread over the channels round-robin (client
 * {@code i} uses channel {@code i mod channels}), as etcd's benchmark tool spreads its clients over
 * its connections. A client issues its next request as soon as its previous one completes, so the
 * run measures the throughput the server sustains at that concurrency.
 *
 * <p>Threading rules:
 *
 * <ul>
 *   <li>{@link #run} is called by one thread at a time, the <em>dispatching thread</em>. It blocks
 *       until every request it issued has completed, and calls the {@link RequestSender} only on
 *       that thread.
 *   <li>Completions run on whatever thread gRPC calls the response observer on; with a channel
 *       built with {@code directExecutor()} that is a transport thread, so completions never block:
 *       they record into their client's slot and put the slot back on a queue with free capacity.
 *   <li>Each client is a {@link ClientSlot} owned by exactly one thread at a time: by the
 *       dispatching thread while it is idle, by the thread completing its request while one is in
 *       flight. Slots change hands only through the idle queue, whose put/take give the
 *       happens-before edge, so slot state needs no locks.
 * </ul>
 *
 * <p>Every request carries a deadline of {@code requestTimeout}, so every request completes and
 * {@link #run} cannot hang on a silent server.
 */
public final class LoadRunner {

  /** How much longer than the request deadline the runner waits for a request to complete. */
  static final Duration DEFAULT_COMPLETION_GRACE = Duration.ofSeconds(10);

  private final List<? extends Channel> channels;
  private final int clients;
  private final Duration requestTimeout;
  private final Duration completionGrace;

  public LoadRunner(List<? extends Channel> channels, int clients, Duration requestTimeout) {
    this(channels, clients, requestTimeout, DEFAULT_COMPLETION_GRACE);
  }

  LoadRunner(
      List<? extends Channel> channels,
      int clients,
      Duration requestTimeout,
      Duration completionGrace) {
    if (channels.isEmpty()) {
      throw new IllegalArgumentException("no channels");
    }
    if (clients < 1) {
      throw new IllegalArgumentException("clients must be at least 1: " + clients);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("request timeout must be positive: " + requestTimeout);
    }
    this.channels = List.copyOf(channels);
    this.clients = clients;
    this.requestTimeout = requestTimeout;
    this.completionGrace = completionGrace;
  }

  /**
   * Issues requests made by {@code sender} until {@code limit} is reached, waits for all of them to
   * complete, and returns what was measured.
   *
   * @throws IllegalStateException if a request is still outstanding long after its deadline,
   *     which only a {@link RequestSender} that breaks its contract can cause
   */
  public RunResult run(RequestSender sender, RunLimit limit) throws InterruptedException {
    BlockingQueue<ClientSlot> idleSlots = new ArrayBlockingQueue<>(clients);
    List<ClientSlot> slots = new ArrayList<>(clients);
    for (int client = 0; client < clients; client++) {
      ClientSlot slot = new ClientSlot(KVGrpc.newStub(channels.get(client % channels.size())));
      slots.add(slot);
      idleSlots.add(slot);
    }

    long startNanos = System.nanoTime();
    long requests = 0;
    if (limit instanceof RunLimit.Requests count) {
      for (; requests < count.count(); requests++) {
        issue(takeIdleSlot(idleSlots), sender, idleSlots);
      }
    } else if (limit instanceof RunLimit.Timed timed) {
      long deadlineNanos = startNanos + timed.duration().toNanos();
      while (true) {
        long remainingNanos = deadlineNanos - System.nanoTime();
        if (remainingNanos <= 0) {
          break;
        }
        ClientSlot slot = idleSlots.poll(remainingNanos, TimeUnit.NANOSECONDS);
        if (slot == null) {
          break;
        }
        issue(slot, sender, idleSlots);
        requests++;
      }
    }
    awaitAllIdle(idleSlots);
    long elapsedNanos = System.nanoTime() - startNanos;
    return summarize(slots, requests, elapsedNanos);
  }

  private void issue(ClientSlot slot, RequestSender sender, BlockingQueue<ClientSlot> idleSlots) {
    RequestCompletion completion = new RequestCompletion(slot, idleSlots, System.nanoTime());
    // From here on the slot belongs to whichever thread completes the request.
    try {
      sender.send(slot.stub.withDeadlineAfter(requestTimeout.toNanos(), TimeUnit.NANOSECONDS), completion);
    } catch (RuntimeException e) {
      completion.failed(e);
    }
  }

  /** Takes every slot back, which proves that no request is in flight. */
  private void awaitAllIdle(BlockingQueue<ClientSlot> idleSlots) throws InterruptedException {
    for (int returned = 0; returned < clients; returned++) {
      takeIdleSlot(idleSlots);
    }
  }

  /**
   * Takes the next idle slot, waiting at most until a request issued now would be past its
   * deadline plus the completion grace: gRPC completes every call by its deadline, so a longer
   * wait means a request was never completed (a broken {@link RequestSender}) and the run would
   * hang.
   */
  private ClientSlot takeIdleSlot(BlockingQueue<ClientSlot> idleSlots) throws InterruptedException {
    Duration wait = requestTimeout.plus(completionGrace);
    ClientSlot slot = idleSlots.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    if (slot == null) {
      throw new IllegalStateException(
          "no request completed within " + wait.toMillis() + " ms; a request was never completed");
    }
    return slot;
  }

  private static RunResult summarize(List<ClientSlot> slots, long requests, long elapsedNanos) {
    int successCount = slots.stream().mapToInt(slot -> slot.latencies.size()).sum();
    long[] latencies = new long[successCount];
    int offset = 0;
    Map<Status.Code, Long> errorsByCode = new EnumMap<>(Status.Code.class);
    Optional<String> sampleError = Optional.empty();
    for (ClientSlot slot : slots) {
      slot.latencies.copyTo(latencies, offset);
      offset += slot.latencies.size();
      slot.errorsByCode.forEach((code, count) -> errorsByCode.merge(code, count, Long::sum));
      if (sampleError.isEmpty()) {
        sampleError = Optional.ofNullable(slot.firstError);
      }
    }
    return new RunResult(
        requests, errorsByCode, sampleError, elapsedNanos, LatencySummary.of(latencies));
  }

  /** One simulated client: its stub and what its requests recorded. See the class comment. */
  private static final class ClientSlot {
    final KVGrpc.KVStub stub;
    final LatencyLog latencies = new LatencyLog();
    final Map<Status.Code, Long> errorsByCode = new EnumMap<>(Status.Code.class);
    String firstError;

    ClientSlot(KVGrpc.KVStub stub) {
      this.stub = stub;
    }
  }

  /** The outcome handler of one request; called once, on any thread. */
  private static final class RequestCompletion implements RequestSender.Completion {
    private final ClientSlot slot;
    private final BlockingQueue<ClientSlot> idleSlots;
    private final long startNanos;

    RequestCompletion(ClientSlot slot, BlockingQueue<ClientSlot> idleSlots, long startNanos) {
      this.slot = slot;
      this.idleSlots = idleSlots;
      this.startNanos = startNanos;
    }

    @Override
    public void succeeded() {
      slot.latencies.add(System.nanoTime() - startNanos);
      release();
    }

    @Override
    public void failed(Throwable error) {
      Status status = Status.fromThrowable(error);
      slot.errorsByCode.merge(status.getCode(), 1L, Long::sum);
      if (slot.firstError == null) {
        slot.firstError =
            status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
      }
      release();
    }

    private void release() {
      // Never blocks: the queue has room for every slot and this slot is not in it.
      idleSlots.add(slot);
    }
  }
}
