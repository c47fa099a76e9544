package io.strata.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.AuthGrpc;
import io.strata.api.etcdserverpb.AuthenticateRequest;
import io.strata.api.etcdserverpb.AuthenticateResponse;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.CompactionResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's failover and retry rules against fake members on grpc-java's in-process transport:
 * each fake serves one behaviour a test scripts, and records the requests and headers it got.
 */
class StrataClientFailoverTest {
  private static final Context.Key<Metadata> HEADERS = Context.key("headers");
  private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("strata-request-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> RETRY = Metadata.Key.of("strata-request-retry", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final List<Server> servers = new ArrayList<>();
  private final Map<String, FakeMember> members = new HashMap<>();
  /** Every put's headers, whichever member got it, in arrival order. */
  private final List<Metadata> putLog = new CopyOnWriteArrayList<>();
  private StrataClient client;

  /** One fake member; a test sets the behaviours it needs. */
  private final class FakeMember {
    final String name;
    final List<Metadata> putHeaders = new CopyOnWriteArrayList<>();
    final AtomicInteger compactions = new AtomicInteger();
    final AtomicInteger ranges = new AtomicInteger();
    final AtomicInteger logins = new AtomicInteger();
    final List<WatchRequest> watchCreates = new CopyOnWriteArrayList<>();
    final List<Metadata> watchHeaders = new CopyOnWriteArrayList<>();
    /** Answers a put from its headers: null to succeed, else the failure. */
    volatile java.util.function.Function<Metadata, Status> putOutcome = headers -> null;
    volatile Status rangeFailure;
    volatile boolean checksRetryMarker = true;
    volatile String acceptedToken;
    /** Plays one Watch stream: the create request and the response observer. */
    volatile BiConsumer<WatchRequest, StreamObserver<WatchResponse>> watch = (create, out) -> { };
    volatile BiConsumer<LeaseKeepAliveRequest, StreamObserver<LeaseKeepAliveResponse>> keepAlive = (request, out) -> { };

    FakeMember(String name) {
      this.name = name;
    }

    Endpoint endpoint() {
      return new Endpoint(name, 1);
    }

    void start() throws Exception {
      ServerInterceptor captureHeaders = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
          ServerCall<Q, R> answering = new SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              if (checksRetryMarker && headers.containsKey(REQUEST_ID)) {
                responseHeaders.put(Metadata.Key.of("strata-request-retry-checked", Metadata.ASCII_STRING_MARSHALLER), "1");
              }
              super.sendHeaders(responseHeaders);
            }
          };
          if (acceptedToken != null && !call.getMethodDescriptor().equals(AuthGrpc.getAuthenticateMethod())
              && !acceptedToken.equals(headers.get(TOKEN))) {
            if (call.getMethodDescriptor().equals(KVGrpc.getPutMethod())) {
              putHeaders.add(headers);
            }
            call.close(Status.UNAUTHENTICATED.withDescription("etcdserver: invalid auth token"), new Metadata());
            return new ServerCall.Listener<>() { };
          }
          return Contexts.interceptCall(Context.current().withValue(HEADERS, headers), answering, headers, next);
        }
      };
      Server server = InProcessServerBuilder.forName(name)
          .addService(ServerInterceptors.intercept(new Kv(), captureHeaders))
          .addService(ServerInterceptors.intercept(new Watch(), captureHeaders))
          .addService(ServerInterceptors.intercept(new Lease(), captureHeaders))
          .addService(ServerInterceptors.intercept(new Auth(), captureHeaders))
          .build().start();
      servers.add(server);
    }

    final class Kv extends KVGrpc.KVImplBase {
      @Override
      public void put(PutRequest request, StreamObserver<PutResponse> response) {
        Metadata headers = HEADERS.get();
        putHeaders.add(headers);
        putLog.add(headers);
        Status failure = putOutcome.apply(headers);
        if (failure != null) {
          response.onError(failure.asRuntimeException());
          return;
        }
        response.onNext(PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(putHeaders.size())).build());
        response.onCompleted();
      }

      @Override
      public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
        ranges.incrementAndGet();
        if (rangeFailure != null) {
          response.onError(rangeFailure.asRuntimeException());
          return;
        }
        response.onNext(RangeResponse.newBuilder().addKvs(KeyValue.newBuilder().setKey(request.getKey())
            .setValue(ByteString.copyFromUtf8(name))).setCount(1).build());
        response.onCompleted();
      }

      @Override
      public void compact(CompactionRequest request, StreamObserver<CompactionResponse> response) {
        compactions.incrementAndGet();
        response.onNext(CompactionResponse.getDefaultInstance());
        response.onCompleted();
      }
    }

    final class Watch extends WatchGrpc.WatchImplBase {
      @Override
      public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> response) {
        watchHeaders.add(HEADERS.get());
        return new StreamObserver<>() {
          @Override
          public void onNext(WatchRequest request) {
            watchCreates.add(request);
            watch.accept(request, response);
          }

          @Override
          public void onError(Throwable t) { }

          @Override
          public void onCompleted() { }
        };
      }
    }

    final class Lease extends LeaseGrpc.LeaseImplBase {
      @Override
      public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> response) {
        return new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveRequest request) {
            keepAlive.accept(request, response);
          }

          @Override
          public void onError(Throwable t) { }

          @Override
          public void onCompleted() { }
        };
      }
    }

    final class Auth extends AuthGrpc.AuthImplBase {
      @Override
      public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> response) {
        int login = logins.incrementAndGet();
        response.onNext(AuthenticateResponse.newBuilder().setToken(request.getName() + "-token-" + login).build());
        response.onCompleted();
      }
    }
  }

  private FakeMember member(String name) throws Exception {
    FakeMember member = new FakeMember(name + "-" + InProcessServerBuilder.generateName());
    member.start();
    members.put(member.name, member);
    return member;
  }

  private StrataClient client(StrataClient.Builder builder, String... names) {
    client = builder.endpoints(List.of(names).stream().map(n -> n + ":1").toList())
        .requestTimeout(Duration.ofSeconds(5))
        .build(endpoint -> InProcessChannelBuilder.forName(endpoint.host()).build());
    return client;
  }

  private StrataClient client(String... names) {
    return client(StrataClient.builder(), names);
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    servers.forEach(Server::shutdownNow);
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  private List<Metadata> allPutHeaders() {
    return putLog;
  }

  /** Fails an unmarked put with {@code failure}; a marked retry gets {@code retryOutcome} (null: success). */
  private static java.util.function.Function<Metadata, Status> failFirstAttempt(Status failure, Status retryOutcome) {
    return headers -> headers.containsKey(RETRY) ? retryOutcome : failure;
  }

  @Test
  void a_put_whose_member_failed_after_receiving_it_is_retried_elsewhere_with_the_same_id_and_the_marker() throws Exception {
    FakeMember a = member("a");
    FakeMember b = member("b");
    StrataClient strata = client(a.name, b.name);
    strata.kv().put(bytes("k"), bytes("warm-up")).join(); // a member shows it checks the marker
    Status leaderChanged = Status.UNAVAILABLE.withDescription("etcdserver: leader changed");
    a.putOutcome = failFirstAttempt(leaderChanged, null);
    b.putOutcome = failFirstAttempt(leaderChanged, null);

    strata.kv().put(bytes("k"), bytes("v")).join();

    List<Metadata> attempts = allPutHeaders().subList(1, allPutHeaders().size());
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).get(REQUEST_ID)).isNotNull().isEqualTo(attempts.get(1).get(REQUEST_ID));
    assertThat(attempts.get(0).get(RETRY)).isNull();
    assertThat(attempts.get(1).get(RETRY)).isEqualTo("1");
    FakeMember retriedOn = b.putHeaders.stream().anyMatch(h -> h.containsKey(RETRY)) ? b : a;
    assertThat(retriedOn.putHeaders).as("the member that failed got no retry").anySatisfy(h -> assertThat(h.get(RETRY)).isEqualTo("1"));
    assertThat((retriedOn == a ? b : a).putHeaders).noneSatisfy(h -> assertThat(h.get(RETRY)).isNotNull());
    assertThat(allPutHeaders().get(0).get(REQUEST_ID)).as("each write has its own id")
        .isNotEqualTo(attempts.get(0).get(REQUEST_ID));
  }

  @Test
  void a_sent_write_is_not_retried_when_no_member_showed_it_checks_the_marker() throws Exception {
    FakeMember a = member("a");
    FakeMember b = member("b");
    a.checksRetryMarker = false;
    b.checksRetryMarker = false;
    Status timedOut = Status.UNAVAILABLE.withDescription("etcdserver: request timed out");
    a.putOutcome = headers -> timedOut;
    b.putOutcome = headers -> timedOut;
    StrataClient strata = client(a.name, b.name);

    assertThatThrownBy(() -> strata.kv().put(bytes("k"), bytes("v")).join())
        .isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(WriteOutcomeUnknownException.class)
        .hasMessageContaining("Put may or may not have been applied: UNAVAILABLE etcdserver: request timed out")
        .hasMessageContaining("no member has shown that it checks the retry marker");
    assertThat(allPutHeaders()).hasSize(1);
  }

  @Test
  void a_refused_retry_fails_with_the_unknown_outcome_of_the_first_attempt() throws Exception {
    FakeMember a = member("a");
    StrataClient strata = client(a.name);
    strata.kv().put(bytes("k"), bytes("warm-up")).join();
    a.putOutcome = failFirstAttempt(Status.UNAVAILABLE.withDescription("etcdserver: leader changed"),
        Status.FAILED_PRECONDITION.withDescription("strata: retried write refused: the cluster does not deduplicate it"));

    assertThatThrownBy(() -> strata.kv().put(bytes("k"), bytes("v")).join())
        .cause().isInstanceOfSatisfying(WriteOutcomeUnknownException.class, e -> {
          assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class)
              .hasMessage("UNAVAILABLE: etcdserver: leader changed");
          assertThat(e.getSuppressed()).singleElement().extracting(Throwable::getMessage).asString()
              .startsWith("FAILED_PRECONDITION: strata: retried write refused");
          assertThat(e.getMessage()).contains("the cluster refused the retry because it cannot deduplicate it");
        });
    assertThat(a.putHeaders).hasSize(3);
  }

  @Test
  void without_request_ids_a_sent_write_is_never_retried() throws Exception {
    FakeMember a = member("a");
    StrataClient strata = client(StrataClient.builder().requestIds(false), a.name);
    strata.kv().put(bytes("k"), bytes("warm-up")).join();
    a.putOutcome = headers -> Status.UNAVAILABLE.withDescription("etcdserver: leader changed");
    assertThatThrownBy(() -> strata.kv().put(bytes("k"), bytes("v")).join())
        .cause().isInstanceOf(WriteOutcomeUnknownException.class).hasMessageContaining("request ids are turned off");
    assertThat(a.putHeaders).hasSize(2).allSatisfy(headers -> assertThat(headers.get(REQUEST_ID)).isNull());
  }

  @Test
  void no_leader_means_not_applied_so_the_write_is_resent_unmarked() throws Exception {
    FakeMember a = member("a");
    FakeMember b = member("b");
    a.putOutcome = headers -> Status.UNAVAILABLE.withDescription("etcdserver: no leader");
    StrataClient strata = client(a.name, b.name);
    assertThat(strata.kv().put(bytes("k"), bytes("v")).join().getHeader().getRevision()).isEqualTo(1);
    assertThat(a.putHeaders).hasSize(1);
    assertThat(b.putHeaders).singleElement().satisfies(headers -> assertThat(headers.get(RETRY)).isNull());
  }

  @Test
  void a_read_fails_over_to_the_next_member() throws Exception {
    FakeMember a = member("a");
    FakeMember b = member("b");
    a.rangeFailure = Status.UNAVAILABLE.withDescription("etcdserver: leader changed");
    StrataClient strata = client(a.name, b.name);
    RangeResponse first = strata.kv().get(bytes("k")).join();
    RangeResponse second = strata.kv().get(bytes("k")).join();
    assertThat(first.getKvs(0).getValue().toStringUtf8()).isEqualTo(b.name);
    assertThat(second.getKvs(0).getValue().toStringUtf8()).as("a stays in quarantine").isEqualTo(b.name);
    assertThat(a.ranges).hasValue(1);
  }

  @Test
  void a_write_that_never_left_the_client_is_resent_to_the_next_endpoint() throws Exception {
    FakeMember b = member("b");
    StrataClient strata = client("nobody-listens-" + InProcessServerBuilder.generateName(), b.name);
    strata.kv().compact(5).join();
    assertThat(b.compactions).hasValue(1);
  }

  @Test
  void an_invalid_token_logs_in_again_once_and_resends() throws Exception {
    FakeMember a = member("a");
    a.acceptedToken = "alice-token-2";
    StrataClient strata = client(StrataClient.builder().credentials("alice", "secret"), a.name);
    strata.kv().put(bytes("k"), bytes("v")).join();
    assertThat(a.logins).hasValue(2);
    assertThat(a.putHeaders).extracting(h -> h.get(TOKEN)).containsExactly("alice-token-1", "alice-token-2");
    assertThat(a.putHeaders.get(1).get(RETRY)).as("the refused attempt took no effect").isNull();
  }

  private static Event event(long revision) {
    return Event.newBuilder().setType(Event.EventType.PUT).setKv(KeyValue.newBuilder()
        .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v" + revision)).setModRevision(revision)).build();
  }

  private static WatchResponse events(long... revisions) {
    WatchResponse.Builder response = WatchResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revisions[revisions.length - 1]));
    for (long revision : revisions) {
      response.addEvents(event(revision));
    }
    return response.build();
  }

  private static WatchResponse created(long revision) {
    return WatchResponse.newBuilder().setCreated(true).setHeader(ResponseHeader.newBuilder().setRevision(revision)).build();
  }

  /** Records what a watcher's listener got. */
  private static final class RecordingListener implements WatchListener {
    final List<Long> revisions = Collections.synchronizedList(new ArrayList<>());
    final AtomicReference<Throwable> error = new AtomicReference<>();
    final AtomicInteger completed = new AtomicInteger();

    @Override
    public void onNext(WatchResponse response) {
      response.getEventsList().forEach(e -> revisions.add(e.getKv().getModRevision()));
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {
      completed.incrementAndGet();
    }
  }

  @Test
  void a_watch_resumes_on_another_member_after_the_last_delivered_revision_without_repeating_events() throws Exception {
    FakeMember a = member("a");
    FakeMember b = member("b");
    a.watch = (request, out) -> {
      out.onNext(created(10));
      out.onNext(events(5, 6));
      out.onError(Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException());
    };
    b.watch = (request, out) -> {
      out.onNext(created(10));
      out.onNext(events(6, 7)); // 6 again: this member was asked from 7 but sends more (dedupe)
      out.onNext(events(8));
    };
    StrataClient strata = client(a.name, b.name);
    RecordingListener listener = new RecordingListener();
    Watcher watcher = strata.watch().watch(io.strata.api.etcdserverpb.WatchCreateRequest.newBuilder()
        .setKey(bytes("k")).setStartRevision(5).build(), listener);

    await().atMost(Duration.ofSeconds(10)).until(() -> listener.revisions.size() >= 4);
    assertThat(listener.revisions).containsExactly(5L, 6L, 7L, 8L);
    assertThat(a.watchCreates).singleElement().satisfies(r -> assertThat(r.getCreateRequest().getStartRevision()).isEqualTo(5));
    assertThat(b.watchCreates).singleElement().satisfies(r -> assertThat(r.getCreateRequest().getStartRevision()).isEqualTo(7));
    assertThat(a.watchHeaders).singleElement().satisfies(h -> assertThat(h.get(HAS_LEADER)).isEqualTo("true"));
    assertThat(watcher.created()).isCompletedWithValue(10L);
    watcher.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> listener.completed.get() == 1);
    assertThat(listener.error.get()).isNull();
  }

  @Test
  void a_compacted_resume_revision_ends_the_watch_with_etcds_compact_revision() throws Exception {
    FakeMember a = member("a");
    FakeMember b = member("b");
    a.watch = (request, out) -> {
      out.onNext(created(3));
      out.onNext(events(3));
      out.onCompleted(); // the member stopped
    };
    b.watch = (request, out) -> out.onNext(WatchResponse.newBuilder().setCreated(true).setCanceled(true)
        .setCompactRevision(9).setHeader(ResponseHeader.newBuilder().setRevision(12)).build());
    StrataClient strata = client(a.name, b.name);
    RecordingListener listener = new RecordingListener();
    strata.watch().watch(io.strata.api.etcdserverpb.WatchCreateRequest.newBuilder()
        .setKey(bytes("k")).setStartRevision(3).build(), listener);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.error.get() != null);
    assertThat(listener.error.get()).isInstanceOfSatisfying(WatchCanceledException.class, e -> {
      assertThat(e.compactRevision()).isEqualTo(9);
      assertThat(e.response()).hasValueSatisfying(r -> assertThat(r.getHeader().getRevision()).isEqualTo(12));
    });
    assertThat(listener.revisions).containsExactly(3L);
    assertThat(b.watchCreates).singleElement().satisfies(r -> assertThat(r.getCreateRequest().getStartRevision()).isEqualTo(4));
  }

  @Test
  void closing_the_client_ends_its_watches_and_later_calls_fail() throws Exception {
    FakeMember a = member("a");
    a.watch = (request, out) -> out.onNext(created(1));
    StrataClient strata = client(a.name);
    RecordingListener listener = new RecordingListener();
    Watcher watcher = strata.watch().watch(bytes("k"), listener);
    watcher.created().get(10, java.util.concurrent.TimeUnit.SECONDS);
    strata.close();
    assertThat(listener.completed).hasValue(1);
    assertThatThrownBy(() -> strata.kv().get(bytes("k")).join()).cause()
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
  }

  @Test
  void keep_alives_move_to_another_member_and_a_lost_lease_is_reported() throws Exception {
    FakeMember a = member("a");
    FakeMember b = member("b");
    a.keepAlive = (request, out) -> {
      out.onNext(LeaseKeepAliveResponse.newBuilder().setID(request.getID()).setTTL(30).build());
      out.onError(Status.UNAVAILABLE.withDescription("etcdserver: server stopped").asRuntimeException());
    };
    b.keepAlive = (request, out) -> out.onNext(LeaseKeepAliveResponse.newBuilder().setID(request.getID()).setTTL(0).build());
    StrataClient strata = client(a.name, b.name);
    List<Long> renewed = new CopyOnWriteArrayList<>();
    AtomicReference<Long> lost = new AtomicReference<>();
    strata.lease().keepAlive(42, new KeepAliveListener() {
      @Override
      public void onKeepAlive(LeaseKeepAliveResponse response) {
        renewed.add(response.getTTL());
      }

      @Override
      public void onLost(long leaseId) {
        lost.set(leaseId);
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> lost.get() != null);
    assertThat(lost.get()).isEqualTo(42);
    assertThat(renewed).containsExactly(30L);
  }
}
