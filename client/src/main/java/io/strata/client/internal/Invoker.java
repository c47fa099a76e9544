package io.strata.client.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.AuthGrpc;
import io.strata.api.etcdserverpb.AuthenticateRequest;
import io.strata.api.etcdserverpb.AuthenticateResponse;
import io.strata.client.Endpoint;
import io.strata.client.WriteOutcomeUnknownException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Sends unary calls to the cluster: picks an endpoint ({@link EndpointPool}), attaches the auth
 * token, the request id and the retry marker, and follows {@link RetryPolicy} after a failure,
 * within the request timeout of the whole call. Also hands out the headers a stream needs.
 *
 * <p>Retries never wait on a thread: a call waiting for an endpoint's quarantine to end is
 * scheduled on the scheduler. Futures complete on gRPC's callback executor (the client's).
 *
 * <p>Threading: thread-safe and non-blocking.
 */
public final class Invoker {
  /** gRPC metadata of an idempotent write's request id (Strata 1.2; see the README). */
  public static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("strata-request-id", Metadata.ASCII_STRING_MARSHALLER);
  /** gRPC metadata marking a write the client sent before without learning its outcome. */
  public static final Metadata.Key<String> RETRY = Metadata.Key.of("strata-request-retry", Metadata.ASCII_STRING_MARSHALLER);
  /** Response header of a member that checks {@link #RETRY}. */
  public static final Metadata.Key<String> RETRY_CHECKED =
      Metadata.Key.of("strata-request-retry-checked", Metadata.ASCII_STRING_MARSHALLER);
  /** etcd's auth token header. */
  public static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  private final ClientConfig config;
  private final EndpointPool pool;
  private final Channels channels;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoClock;
  private final LongSupplier requestIds;
  private final Object tokenLock = new Object();
  /** The current login; null until the first call needs one, or after the token was refused. */
  private CompletableFuture<String> token;
  private volatile boolean retryChecked;

  /**
   * @param requestIds source of request ids (unique per write; never 0)
   */
  public Invoker(ClientConfig config, EndpointPool pool, Channels channels, ScheduledExecutorService scheduler,
      LongSupplier nanoClock, LongSupplier requestIds) {
    this.config = config;
    this.pool = pool;
    this.channels = channels;
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
    this.requestIds = requestIds;
  }

  public EndpointPool pool() {
    return pool;
  }

  public Channels channels() {
    return channels;
  }

  /** Whether a member has answered with {@link #RETRY_CHECKED}: marked retries are safe to send. */
  public boolean retryChecked() {
    return retryChecked;
  }

  /** Sends {@code request} to the cluster (any member, failing over), following the retry rules of {@code kind}. */
  public <Q, R> CompletableFuture<R> call(MethodDescriptor<Q, R> method, Q request, CallKind kind) {
    return start(method, request, kind, null, true);
  }

  /** Sends {@code request} to {@code endpoint} only (retried there, within the request timeout). */
  public <Q, R> CompletableFuture<R> callOn(Endpoint endpoint, MethodDescriptor<Q, R> method, Q request, CallKind kind) {
    return start(method, request, kind, endpoint, true);
  }

  /** A unary call's response and the metadata its member sent with it. */
  public record Answer<R>(R response, Metadata headers, Metadata trailers) {}

  /** As {@link #call}, completing with the response headers and trailers too. */
  public <Q, R> CompletableFuture<Answer<R>> callWithMetadata(MethodDescriptor<Q, R> method, Q request,
      CallKind kind) {
    UnaryCall<Q, R> call = unaryCall(method, request, kind, null, true);
    CompletableFuture<Answer<R>> answered = new CompletableFuture<>();
    call.result.whenComplete((response, failure) -> {
      if (failure != null) {
        answered.completeExceptionally(failure);
      } else {
        answered.complete(new Answer<>(response, call.answerHeaders, call.answerTrailers));
      }
    });
    call.attempt();
    return answered;
  }

  private <Q, R> CompletableFuture<R> start(MethodDescriptor<Q, R> method, Q request, CallKind kind, Endpoint pinned,
      boolean withToken) {
    UnaryCall<Q, R> call = unaryCall(method, request, kind, pinned, withToken);
    call.attempt();
    return call.result;
  }

  private <Q, R> UnaryCall<Q, R> unaryCall(MethodDescriptor<Q, R> method, Q request, CallKind kind, Endpoint pinned,
      boolean withToken) {
    long requestId = kind == CallKind.IDEMPOTENT_WRITE && config.requestIds() ? requestIds.getAsLong() : 0;
    return new UnaryCall<>(method, request, kind, pinned, withToken, requestId,
        nanoClock.getAsLong() + config.requestTimeout().toNanos());
  }

  /**
   * The headers a stream opened now must carry (the auth token, logging in first if needed);
   * {@code extra} is merged in.
   */
  public CompletableFuture<Metadata> streamHeaders(Metadata extra) {
    return token().thenApply(current -> {
      Metadata headers = new Metadata();
      headers.merge(extra);
      if (current != null) {
        headers.put(TOKEN, current);
      }
      return headers;
    });
  }

  /** The auth token to send; null without credentials. Logs in when there is none yet. */
  private CompletableFuture<String> token() {
    if (config.credentials().isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    synchronized (tokenLock) {
      if (token == null || token.isCompletedExceptionally()) {
        ClientConfig.Credentials credentials = config.credentials().get();
        AuthenticateRequest login = AuthenticateRequest.newBuilder()
            .setName(credentials.user()).setPassword(credentials.password()).build();
        token = this.<AuthenticateRequest, AuthenticateResponse>start(AuthGrpc.getAuthenticateMethod(), login,
            CallKind.READ, null, false).thenApply(AuthenticateResponse::getToken);
      }
      return token;
    }
  }

  /** {@code refused} was not accepted by a member: the next call logs in again. */
  public void tokenRefused(Metadata sentHeaders) {
    String refused = sentHeaders.get(TOKEN);
    synchronized (tokenLock) {
      if (token != null && token.isDone() && !token.isCompletedExceptionally() && token.join().equals(refused)) {
        token = null;
      }
    }
  }

  /** Notes a member's answer headers (the retry-checked header). */
  public void sawHeaders(Metadata headers) {
    if (headers.containsKey(RETRY_CHECKED)) {
      retryChecked = true;
    }
  }

  /** Records whether a request message was handed to a transport (so may have reached a member). */
  static final class SentTracker extends ClientStreamTracer.Factory {
    private volatile boolean sent;

    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
      return new ClientStreamTracer() {
        @Override
        public void outboundMessage(int seqNo) {
          sent = true;
        }
      };
    }

    boolean sent() {
      return sent;
    }
  }

  /** One logical call and its attempts. Attempts run one at a time, so the fields need no lock. */
  private final class UnaryCall<Q, R> {
    final MethodDescriptor<Q, R> method;
    final Q request;
    final CallKind kind;
    final Endpoint pinned;
    final boolean withToken;
    final long requestId;
    final long deadlineNanos;
    final CompletableFuture<R> result = new CompletableFuture<>();
    boolean reauthenticated;
    /** An earlier attempt may have taken effect; from then on every attempt carries the retry marker. */
    boolean mayHaveBeenApplied;
    /** The failure that left the outcome open. */
    StatusRuntimeException openOutcome;
    StatusRuntimeException lastFailure;
    /** The headers and trailers of the answer; set before {@link #result} completes with it. */
    Metadata answerHeaders = new Metadata();
    Metadata answerTrailers = new Metadata();

    UnaryCall(MethodDescriptor<Q, R> method, Q request, CallKind kind, Endpoint pinned, boolean withToken,
        long requestId, long deadlineNanos) {
      this.method = method;
      this.request = request;
      this.kind = kind;
      this.pinned = pinned;
      this.withToken = withToken;
      this.requestId = requestId;
      this.deadlineNanos = deadlineNanos;
    }

    void attempt() {
      if (result.isDone()) {
        return;
      }
      long remaining = deadlineNanos - nanoClock.getAsLong();
      if (remaining <= 0) {
        outOfTime();
        return;
      }
      Endpoint endpoint = pinned != null ? pinned : pool.next();
      long wait = pool.waitBefore(endpoint).toNanos();
      if (wait > 0) {
        later(wait >= remaining ? this::outOfTime : this::attempt, Math.min(wait, remaining));
        return;
      }
      CompletableFuture<String> login = withToken ? token() : CompletableFuture.completedFuture(null);
      login.whenComplete((currentToken, loginFailure) -> {
        if (loginFailure != null) {
          result.completeExceptionally(unwrap(loginFailure));
        } else {
          send(endpoint, currentToken);
        }
      });
    }

    void send(Endpoint endpoint, String currentToken) {
      Metadata headers = new Metadata();
      if (currentToken != null) {
        headers.put(TOKEN, currentToken);
      }
      if (requestId != 0) {
        headers.put(REQUEST_ID, Long.toUnsignedString(requestId));
      }
      if (mayHaveBeenApplied) {
        headers.put(RETRY, "1");
      }
      long remaining = deadlineNanos - nanoClock.getAsLong();
      SentTracker tracker = new SentTracker();
      ClientCall<Q, R> call;
      try {
        call = channels.get(endpoint).newCall(method,
            CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, remaining), TimeUnit.NANOSECONDS)
                .withStreamTracerFactory(tracker));
      } catch (IllegalStateException closed) {
        result.completeExceptionally(Status.CANCELLED.withDescription("the client is closed").asRuntimeException());
        return;
      }
      call.start(new ClientCall.Listener<R>() {
        private R response;
        private Metadata received = new Metadata();

        @Override
        public void onHeaders(Metadata responseHeaders) {
          sawHeaders(responseHeaders);
          received = responseHeaders;
        }

        @Override
        public void onMessage(R message) {
          response = message;
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          sawHeaders(trailers);
          if (status.isOk() && response != null) {
            pool.succeeded(endpoint);
            answerHeaders = received;
            answerTrailers = trailers;
            result.complete(response);
          } else if (status.isOk()) {
            result.completeExceptionally(Status.INTERNAL.withDescription("no response message").asRuntimeException());
          } else {
            failed(endpoint, headers, status.asRuntimeException(trailers), tracker.sent());
          }
        }
      }, headers);
      call.request(2);
      call.sendMessage(request);
      call.halfClose();
    }

    void failed(Endpoint endpoint, Metadata sentHeaders, StatusRuntimeException failure, boolean sent) {
      lastFailure = failure;
      Failures.Kind failureKind = Failures.classify(failure.getStatus());
      if (failureKind == Failures.Kind.ENDPOINT_FAILED || failureKind == Failures.Kind.NOT_APPLIED) {
        pool.failed(endpoint);
      }
      RetryPolicy.Decision decision = RetryPolicy.decide(kind, failureKind, sent, requestId != 0, retryChecked,
          reauthenticated, mayHaveBeenApplied);
      if (kind != CallKind.READ && sent && openOutcome == null
          && (failureKind == Failures.Kind.ENDPOINT_FAILED || failureKind == Failures.Kind.UNANSWERED)) {
        openOutcome = failure;
        mayHaveBeenApplied = true;
      }
      switch (decision) {
        case RESEND, RESEND_MARKED_AS_RETRY -> attempt();
        case REAUTHENTICATE_AND_RESEND -> {
          reauthenticated = true;
          tokenRefused(sentHeaders);
          attempt();
        }
        case FAIL -> result.completeExceptionally(failure);
        case FAIL_OUTCOME_UNKNOWN -> result.completeExceptionally(outcomeUnknown(failure));
      }
    }

    void later(Runnable step, long delayNanos) {
      try {
        scheduler.schedule(step, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        StatusRuntimeException cancelled = Status.CANCELLED.withDescription("the client is closed").asRuntimeException();
        result.completeExceptionally(mayHaveBeenApplied ? outcomeUnknown(cancelled) : cancelled);
      }
    }

    void outOfTime() {
      if (result.isDone()) {
        return;
      }
      String last = lastFailure == null ? "" : "; last failure: " + describe(lastFailure);
      StatusRuntimeException deadline = Status.DEADLINE_EXCEEDED.withDescription(
          "no answer within the request timeout of " + format(config.requestTimeout()) + last)
          .withCause(lastFailure).asRuntimeException();
      result.completeExceptionally(mayHaveBeenApplied ? outcomeUnknown(deadline) : deadline);
    }

    WriteOutcomeUnknownException outcomeUnknown(StatusRuntimeException last) {
      StatusRuntimeException cause = openOutcome != null ? openOutcome : last;
      String why;
      if (Failures.classify(last.getStatus()) == Failures.Kind.RETRY_REFUSED) {
        why = "the cluster refused the retry because it cannot deduplicate it (cluster version below 1.2)";
      } else if (kind != CallKind.IDEMPOTENT_WRITE) {
        why = "this kind of write is never retried once sent";
      } else if (requestId == 0) {
        why = "request ids are turned off";
      } else if (!retryChecked) {
        why = "no member has shown that it checks the retry marker (not a Strata 1.2 cluster?)";
      } else {
        why = "no answer to its retries";
      }
      WriteOutcomeUnknownException unknown = new WriteOutcomeUnknownException(
          method.getBareMethodName() + " may or may not have been applied: " + describe(cause) + "; not settled: " + why,
          cause);
      if (last != cause) {
        unknown.addSuppressed(last);
      }
      return unknown;
    }
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
  }

  private static String describe(StatusRuntimeException failure) {
    Status status = failure.getStatus();
    return status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription());
  }

  static String format(Duration duration) {
    return duration.toMillis() % 1000 == 0
        ? duration.toSeconds() + "s"
        : String.format(Locale.ROOT, "%dms", duration.toMillis());
  }
}
