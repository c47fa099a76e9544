package io.strata.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.client.Endpoint;
import io.strata.client.KeepAlive;
import io.strata.client.KeepAliveListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The client's lease keep-alives: one LeaseKeepAlive stream for every kept-alive lease, each lease
 * renewed a third of its TTL after the last answer ({@link KeepAliveSchedule}). When the stream
 * fails it is re-opened on the next endpoint (at once, then with a backoff doubling from 100 ms
 * to 2 s) and every lease is renewed at once. The stream is closed while no lease is kept alive.
 *
 * <p>Threading: thread-safe. Every state change and stream call runs on one {@link SerialExecutor};
 * each listener is called on a serial executor of its own, so a slow listener delays no renewal.
 */
public final class LeaseKeepAlives implements AutoCloseable {
  private static final long RESEND_AFTER_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Invoker invoker;
  private final ScheduledExecutorService scheduler;
  private final Executor executor;
  private final LongSupplier nanoClock;
  private final SerialExecutor serial;
  private final KeepAliveSchedule schedule = new KeepAliveSchedule(RESEND_AFTER_NANOS);
  private final Map<Long, List<Registration>> registrations = new HashMap<>();
  private ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call;
  private int generation;
  private boolean opening;
  private boolean closed;
  private long backoffNanos;
  private ScheduledFuture<?> wakeUp;

  public LeaseKeepAlives(Invoker invoker, ScheduledExecutorService scheduler, Executor executor, LongSupplier nanoClock) {
    this.invoker = invoker;
    this.scheduler = scheduler;
    this.executor = executor;
    this.nanoClock = nanoClock;
    this.serial = new SerialExecutor(executor);
  }

  /** Keeps {@code leaseId} alive until the returned handle is closed or the lease is lost. */
  public KeepAlive keepAlive(long leaseId, KeepAliveListener listener) {
    Registration registration = new Registration(leaseId, listener, new SerialExecutor(executor));
    serial.execute(() -> {
      if (closed) {
        return;
      }
      registrations.computeIfAbsent(leaseId, id -> new ArrayList<>()).add(registration);
      if (!schedule.contains(leaseId)) {
        schedule.add(leaseId, nanoClock.getAsLong());
      }
      pump();
    });
    return registration;
  }

  private final class Registration implements KeepAlive {
    final long leaseId;
    final KeepAliveListener listener;
    final SerialExecutor calls;

    Registration(long leaseId, KeepAliveListener listener, SerialExecutor calls) {
      this.leaseId = leaseId;
      this.listener = listener;
      this.calls = calls;
    }

    @Override
    public long leaseId() {
      return leaseId;
    }

    @Override
    public void close() {
      serial.execute(() -> {
        List<Registration> forLease = registrations.get(leaseId);
        if (forLease != null && forLease.remove(this) && forLease.isEmpty()) {
          registrations.remove(leaseId);
          schedule.remove(leaseId);
          pump();
        }
      });
    }
  }

  /** Sends what is due, closes the stream when nothing is kept alive, and plans the next wake-up. */
  private void pump() {
    if (closed) {
      return;
    }
    if (wakeUp != null) {
      wakeUp.cancel(false);
      wakeUp = null;
    }
    if (schedule.isEmpty()) {
      if (call != null) {
        call.cancel("no lease is kept alive", null);
        call = null;
        generation++;
      }
      return;
    }
    if (call == null) {
      if (!opening) {
        connect();
      }
      return;
    }
    long now = nanoClock.getAsLong();
    for (long leaseId : schedule.takeDue(now)) {
      call.sendMessage(LeaseKeepAliveRequest.newBuilder().setID(leaseId).build());
    }
    long next = schedule.nanosUntilNext(now);
    if (next >= 0) {
      wakeUp = schedule(() -> serial.execute(this::pump), Math.max(next, 1), TimeUnit.NANOSECONDS);
    }
  }

  private void connect() {
    opening = true;
    Endpoint endpoint = invoker.pool().next();
    long wait = Math.max(backoffNanos, invoker.pool().waitBefore(endpoint).toNanos());
    backoffNanos = backoffNanos == 0 ? FIRST_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
    int streamGeneration = ++generation;
    Runnable open = () -> invoker.streamHeaders(new Metadata()).whenComplete((headers, loginFailure) ->
        serial.execute(() -> {
          if (closed || streamGeneration != generation) {
            return;
          }
          if (loginFailure != null) {
            opening = false;
            invoker.pool().failed(endpoint);
            pump();
            return;
          }
          stream(endpoint, headers, streamGeneration);
        }));
    if (wait > 0) {
      schedule(open, wait, TimeUnit.NANOSECONDS);
    } else {
      open.run();
    }
  }

  private void stream(Endpoint endpoint, Metadata headers, int streamGeneration) {
    ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> opened;
    try {
      opened = invoker.channels().get(endpoint).newCall(LeaseGrpc.getLeaseKeepAliveMethod(), CallOptions.DEFAULT);
    } catch (IllegalStateException clientClosed) {
      return;
    }
    opened.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(LeaseKeepAliveResponse message) {
        serial.execute(() -> answered(endpoint, message, streamGeneration));
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        serial.execute(() -> streamClosed(endpoint, headers, status, streamGeneration));
      }
    }, headers);
    opened.request(1);
    call = opened;
    opening = false;
    schedule.allDue(nanoClock.getAsLong());
    pump();
  }

  private void answered(Endpoint endpoint, LeaseKeepAliveResponse response, int streamGeneration) {
    if (closed || streamGeneration != generation) {
      return;
    }
    invoker.pool().succeeded(endpoint);
    backoffNanos = 0;
    call.request(1);
    long leaseId = response.getID();
    switch (schedule.answered(leaseId, response.getTTL(), nanoClock.getAsLong())) {
      case RENEWED -> {
        for (Registration registration : registrations.getOrDefault(leaseId, List.of())) {
          registration.calls.execute(() -> registration.listener.onKeepAlive(response));
        }
      }
      case LOST -> {
        for (Registration registration : registrations.getOrDefault(leaseId, List.of())) {
          registration.calls.execute(() -> registration.listener.onLost(leaseId));
        }
        registrations.remove(leaseId);
      }
      case UNKNOWN -> { }
    }
    pump();
  }

  private void streamClosed(Endpoint endpoint, Metadata sentHeaders, Status status, int streamGeneration) {
    if (closed || streamGeneration != generation) {
      return;
    }
    call = null;
    if (Failures.classify(status) == Failures.Kind.INVALID_TOKEN) {
      invoker.tokenRefused(sentHeaders);
    } else {
      invoker.pool().failed(endpoint);
    }
    pump();
  }

  /** Stops every keep-alive and closes the stream; listeners hear nothing more. */
  @Override
  public void close() {
    serial.execute(() -> {
      closed = true;
      if (wakeUp != null) {
        wakeUp.cancel(false);
      }
      if (call != null) {
        call.cancel("client closed", null);
        call = null;
      }
      registrations.clear();
    });
  }

  /** Runs {@code task} after {@code delayNanos} on the scheduler; nothing once the client closed it. */
  private ScheduledFuture<?> schedule(Runnable task, long delayNanos, TimeUnit unit) {
    try {
      return scheduler.schedule(task, delayNanos, unit);
    } catch (RejectedExecutionException closed) {
      return null;
    }
  }
}
