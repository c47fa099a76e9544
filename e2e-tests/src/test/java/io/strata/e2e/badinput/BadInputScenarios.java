package io.strata.e2e.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.Metrics;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input at a member's client port, on a one-member cluster (a second member would add
 * nothing: every case is refused or absorbed by the member the client talks to). Each case must get
 * etcd's gRPC code and message, or have its connection or stream shed, and afterwards the member
 * must still serve (Status, a put, a linearizable get) and hold every write it acknowledged
 * ({@link #memberServesAndLostNothing}).
 *
 * <p>Written once: {@link EtcdBadInputTest} runs it on etcd 3.4 and proves that the expected
 * answers are etcd's; {@link StrataBadInputTest} runs the same scenarios on Strata.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BadInputScenarios {
  /** {@code --max-request-bytes}: small, so that "request is too large" is cheap to provoke. */
  static final int MAX_REQUEST_BYTES = 64 * 1024;
  /** etcd's gRPC receive limit: the request limit plus 512 KiB for gRPC's own framing. */
  static final int GRPC_RECEIVE_LIMIT = MAX_REQUEST_BYTES + 512 * 1024;
  /** {@code --max-txn-ops}. */
  static final int MAX_TXN_OPS = 8;
  static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private Cluster cluster;
  private Member member;
  private AcknowledgedWrites acknowledged;
  /** Key prefix of the running scenario. */
  private String p;
  private final List<ManagedChannel> channels = new ArrayList<>();

  protected abstract Backend backend();

  @BeforeAll
  void startCluster() {
    cluster = clusters.start(backend(), ClusterSpec.ofSize(1)
        .withMaxRequestBytes(MAX_REQUEST_BYTES)
        .withMaxTxnOps(MAX_TXN_OPS));
    member = cluster.member(0);
    acknowledged = new AcknowledgedWrites(cluster, "/acknowledged/");
    acknowledged.writeThrough(member, 20);
  }

  @BeforeEach
  void keyPrefix(TestInfo info) {
    p = "/" + info.getTestMethod().orElseThrow().getName() + "/"
        + Integer.toHexString(info.getDisplayName().hashCode()) + "/";
  }

  @AfterEach
  void memberServesAndLostNothing() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    channels.clear();
    acknowledged.assertEveryMemberServesAndLostNothing();
  }

  // ---------------------------------------------------------------------------------------------
  // size limits

  @Test
  void requests_over_max_request_bytes_are_refused_as_too_large_and_write_nothing() {
    long r0 = revision();
    String bigValue = "x".repeat(MAX_REQUEST_BYTES + 1024);
    assertRefused(() -> grpc().put(p + "big-value", bigValue),
        Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
    assertRefused(() -> grpc().put(p + "k".repeat(MAX_REQUEST_BYTES + 1024), "v"),
        Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < 4; i++) {
      txn.addSuccess(putOp(p + "part" + i, "y".repeat(MAX_REQUEST_BYTES / 3)));
    }
    assertRefused(() -> kv().txn(txn.build()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
    assertThat(revision()).as("nothing was written").isEqualTo(r0);
  }

  /** The message itself is refused by gRPC, before etcd looks at it; the connection serves on. */
  @Test
  void a_message_over_the_grpc_receive_limit_is_resource_exhausted_and_the_channel_serves_on() {
    long r0 = revision();
    assertThatThrownBy(() -> grpc().put(p + "huge", "x".repeat(GRPC_RECEIVE_LIMIT + 64 * 1024)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(revision()).as("nothing was written").isEqualTo(r0);
    grpc().put(p + "after", "small");
    assertThat(grpc().get(p + "after", false)).isEqualTo("small");
  }

  @Test
  void a_key_of_most_of_max_request_bytes_holding_every_byte_value_round_trips() {
    byte[] tail = new byte[MAX_REQUEST_BYTES - 8 * 1024];
    for (int i = 0; i < tail.length; i++) {
      tail[i] = (byte) i;
    }
    ByteString key = EtcdGrpc.bytes(p).concat(ByteString.copyFrom(tail));
    kv().put(PutRequest.newBuilder().setKey(key).setValue(EtcdGrpc.bytes("v")).build());
    RangeResponse got = kv().range(RangeRequest.newBuilder().setKey(key).build());
    assertThat(got.getKvsList()).singleElement().satisfies(kv -> {
      assertThat(kv.getKey()).isEqualTo(key);
      assertThat(kv.getValue().toStringUtf8()).isEqualTo("v");
    });
    RangeResponse prefix = kv().range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p))
        .setRangeEnd(EtcdGrpc.prefixEnd(EtcdGrpc.bytes(p))).setKeysOnly(true).build());
    assertThat(prefix.getKvsList()).extracting(io.strata.api.mvccpb.KeyValue::getKey).containsExactly(key);
    DeleteRangeResponse deleted = kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
    assertThat(deleted.getDeleted()).isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------
  // requests etcd refuses

  /** Requests etcd refuses before they are proposed, with the code and message etcd answers. */
  enum Refused {
    RANGE_OF_AN_EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
        (kv, p) -> kv.range(RangeRequest.newBuilder().setRangeEnd(EtcdGrpc.bytes(p)).build())),
    DELETE_OF_AN_EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
        (kv, p) -> kv.deleteRange(DeleteRangeRequest.newBuilder().setRangeEnd(EtcdGrpc.bytes(p)).build())),
    TXN_COMPARING_AN_EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
        (kv, p) -> kv.txn(TxnRequest.newBuilder()
            .addCompare(Compare.newBuilder().setTarget(Compare.CompareTarget.VERSION)
                .setResult(Compare.CompareResult.EQUAL).setVersion(0))
            .addSuccess(putOp(p + "k", "v")).build())),
    TXN_PUTTING_AN_EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
        (kv, p) -> kv.txn(TxnRequest.newBuilder().addSuccess(putOp(p + "k", "v")).addFailure(putOp("", "v"))
            .build())),
    TXN_READING_AN_EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided",
        (kv, p) -> kv.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
            .setRequestRange(RangeRequest.getDefaultInstance())).build())),
    PUT_WITH_IGNORE_VALUE_AND_A_VALUE(Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided",
        (kv, p) -> kv.put(EtcdGrpc.putRequest(p + "k", "v").toBuilder().setIgnoreValue(true).build())),
    PUT_WITH_IGNORE_LEASE_AND_A_LEASE(Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided",
        (kv, p) -> kv.put(EtcdGrpc.putRequest(p + "k", "v").toBuilder().setIgnoreLease(true).setLease(7).build())),
    PUT_IGNORING_THE_VALUE_OF_A_MISSING_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found",
        (kv, p) -> kv.put(PutRequest.newBuilder().setKey(EtcdGrpc.bytes(p + "missing")).setIgnoreValue(true).build())),
    TXN_WITH_MORE_OPS_THAN_MAX_TXN_OPS(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request",
        (kv, p) -> {
          TxnRequest.Builder txn = TxnRequest.newBuilder();
          for (int i = 0; i <= MAX_TXN_OPS; i++) {
            txn.addSuccess(putOp(p + "op" + i, "v"));
          }
          return kv.txn(txn.build());
        }),
    TXN_WITH_MORE_COMPARES_THAN_MAX_TXN_OPS(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request",
        (kv, p) -> {
          TxnRequest.Builder txn = TxnRequest.newBuilder().addSuccess(putOp(p + "k", "v"));
          for (int i = 0; i <= MAX_TXN_OPS; i++) {
            txn.addCompare(Compare.newBuilder().setKey(EtcdGrpc.bytes(p + "c" + i))
                .setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.EQUAL).setVersion(0));
          }
          return kv.txn(txn.build());
        }),
    TXN_PUTTING_ONE_KEY_TWICE(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request",
        (kv, p) -> kv.txn(TxnRequest.newBuilder().addSuccess(putOp(p + "d", "1")).addSuccess(putOp(p + "d", "2"))
            .build())),
    TXN_PUTTING_A_KEY_IT_DELETES(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request",
        (kv, p) -> kv.txn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                .setKey(EtcdGrpc.bytes(p)).setRangeEnd(EtcdGrpc.prefixEnd(EtcdGrpc.bytes(p)))))
            .addSuccess(putOp(p + "d", "1")).build())),
    RANGE_AT_A_FUTURE_REVISION(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision",
        (kv, p) -> kv.range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p)).setRevision(Long.MAX_VALUE).build())),
    TXN_READING_A_FUTURE_REVISION(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision",
        (kv, p) -> kv.txn(TxnRequest.newBuilder().addSuccess(putOp(p + "k", "v")).addSuccess(RequestOp.newBuilder()
            .setRequestRange(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p)).setRevision(Long.MAX_VALUE)))
            .build())),
    COMPACTION_AT_A_FUTURE_REVISION(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision",
        (kv, p) -> kv.compact(io.strata.api.etcdserverpb.CompactionRequest.newBuilder().setRevision(Long.MAX_VALUE)
            .build()));

    final Status.Code code;
    final String message;
    final java.util.function.BiFunction<KVGrpc.KVBlockingStub, String, Object> send;

    Refused(Status.Code code, String message,
        java.util.function.BiFunction<KVGrpc.KVBlockingStub, String, Object> send) {
      this.code = code;
      this.message = message;
      this.send = send;
    }
  }

  @ParameterizedTest(name = "{0}: {1} \"{2}\"")
  @EnumSource(Refused.class)
  void refused_requests_get_etcds_code_and_message_and_write_nothing(Refused request) {
    long r0 = revision();
    assertRefused(() -> request.send.apply(kv(), p), request.code, request.message);
    assertThat(revision()).as("nothing was written").isEqualTo(r0);
    assertThat(grpc().getPrefix(p, false)).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // odd but valid ranges

  @Test
  void a_range_end_below_the_key_is_an_empty_range_for_reads_and_deletes() {
    grpc().put(p + "a", "1");
    grpc().put(p + "b", "2");
    grpc().put(p + "c", "3");
    long r0 = revision();
    RangeResponse read = kv().range(RangeRequest.newBuilder()
        .setKey(EtcdGrpc.bytes(p + "c")).setRangeEnd(EtcdGrpc.bytes(p + "a")).build());
    assertThat(read.getCount()).isZero();
    assertThat(read.getKvsList()).isEmpty();
    DeleteRangeResponse delete = kv().deleteRange(DeleteRangeRequest.newBuilder()
        .setKey(EtcdGrpc.bytes(p + "c")).setRangeEnd(EtcdGrpc.bytes(p + "a")).build());
    assertThat(delete.getDeleted()).isZero();
    assertThat(revision()).as("deleting nothing makes no revision").isEqualTo(r0);
    assertThat(grpc().getPrefix(p, false)).containsOnlyKeys(p + "a", p + "b", p + "c");
  }

  @Test
  void a_negative_limit_means_no_limit_and_a_negative_revision_the_current_one() {
    grpc().put(p + "a", "1");
    grpc().put(p + "b", "2");
    grpc().put(p + "a", "3");
    RangeResponse all = kv().range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p))
        .setRangeEnd(EtcdGrpc.prefixEnd(EtcdGrpc.bytes(p))).setLimit(-1).build());
    assertThat(all.getKvsList()).extracting(kv -> kv.getValue().toStringUtf8()).containsExactly("3", "2");
    assertThat(all.getMore()).isFalse();
    RangeResponse current = kv().range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p + "a"))
        .setRevision(-5).build());
    assertThat(current.getKvsList()).extracting(kv -> kv.getValue().toStringUtf8()).containsExactly("3");
  }

  // ---------------------------------------------------------------------------------------------
  // the wire: malformed messages, unknown fields, unknown methods

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "etcdserverpb.KV/Range", "etcdserverpb.KV/Put", "etcdserverpb.KV/DeleteRange", "etcdserverpb.KV/Txn",
      "etcdserverpb.KV/Compact", "etcdserverpb.Lease/LeaseGrant", "etcdserverpb.Lease/LeaseRevoke",
      "etcdserverpb.Lease/LeaseTimeToLive", "etcdserverpb.Maintenance/Status", "etcdserverpb.Maintenance/Alarm",
      "etcdserverpb.Cluster/MemberList", "etcdserverpb.Cluster/MemberAdd", "etcdserverpb.Auth/Authenticate",
      "etcdserverpb.Auth/UserAdd"})
  void malformed_protobuf_to_a_unary_method_is_an_internal_error(String method) {
    long r0 = revision();
    for (byte[] payload : RawGrpc.MALFORMED) {
      assertThatThrownBy(() -> RawGrpc.unary(grpc().channel(), method, payload))
          .as("%s with %d malformed bytes", method, payload.length)
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
    }
    assertThat(revision()).as("nothing was written").isEqualTo(r0);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"etcdserverpb.Watch/Watch", "etcdserverpb.Lease/LeaseKeepAlive"})
  void malformed_protobuf_on_a_stream_ends_it_with_an_internal_error(String method) {
    for (byte[] payload : RawGrpc.MALFORMED) {
      assertThat(RawGrpc.streamOnce(grpc().channel(), method, payload).getCode())
          .as("%s with %d malformed bytes", method, payload.length)
          .isEqualTo(Status.Code.INTERNAL);
    }
  }

  /** Protobuf's rule: a parser skips the fields it does not know (a newer client's fields). */
  @Test
  void unknown_fields_are_accepted_and_ignored() {
    long r0 = revision();
    PutResponse put = kv().put(withUnknownFields(EtcdGrpc.putRequest(p + "k", "v")));
    assertThat(put.getHeader().getRevision()).isEqualTo(r0 + 1);
    RangeResponse range = kv().range(withUnknownFields(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p + "k"))
        .build()));
    assertThat(range.getKvsList()).extracting(kv -> kv.getValue().toStringUtf8()).containsExactly("v");
    var txn = kv().txn(withUnknownFields(TxnRequest.newBuilder()
        .addCompare(withUnknownFields(Compare.newBuilder().setKey(EtcdGrpc.bytes(p + "k"))
            .setTarget(Compare.CompareTarget.VALUE).setResult(Compare.CompareResult.EQUAL)
            .setValue(EtcdGrpc.bytes("v")).build()))
        .addSuccess(withUnknownFields(putOp(p + "k", "w")))
        .build()));
    assertThat(txn.getSucceeded()).isTrue();
    assertThat(grpc().get(p + "k", false)).isEqualTo("w");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"etcdserverpb.KV/NoSuchMethod", "nosuch.Service/Put"})
  void an_unknown_method_is_unimplemented(String method) {
    assertThatThrownBy(() -> RawGrpc.unary(grpc().channel(), method, new byte[0]))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  // ---------------------------------------------------------------------------------------------
  // resources: streams, connections, slow readers

  @Test
  void abandoned_watch_and_keep_alive_streams_are_freed() {
    int streams = 100;
    int watchersPerStream = 5;
    double watchersBefore = metric("etcd_debugging_mvcc_watcher_total");
    double streamsBefore = metric("etcd_debugging_mvcc_watch_stream_total");
    long lease = LeaseGrpc.newBlockingStub(grpc().channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
    ManagedChannel abandoned = channel();
    Map<Integer, Boolean> keptAlive = new ConcurrentHashMap<>();
    for (int s = 0; s < streams; s++) {
      StreamObserver<WatchRequest> watch = WatchGrpc.newStub(abandoned).watch(ignoring());
      for (int w = 0; w < watchersPerStream; w++) {
        watch.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
            .setKey(EtcdGrpc.bytes(p + s + "/" + w))).build());
      }
      int stream = s;
      StreamObserver<LeaseKeepAliveRequest> keepAlive = LeaseGrpc.newStub(abandoned)
          .leaseKeepAlive(new StreamObserver<LeaseKeepAliveResponse>() {
            @Override
            public void onNext(LeaseKeepAliveResponse value) {
              keptAlive.put(stream, value.getTTL() > 0);
            }

            @Override
            public void onError(Throwable t) { }

            @Override
            public void onCompleted() { }
          });
      keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease).build());
    }
    cluster.waitFor("every watcher and every keep-alive stream to be open", WAIT, () ->
        metric("etcd_debugging_mvcc_watcher_total") == watchersBefore + streams * watchersPerStream
            && metric("etcd_debugging_mvcc_watch_stream_total") == streamsBefore + streams
            && keptAlive.size() == streams ? true : null);
    assertThat(keptAlive.values()).containsOnly(true);

    abandoned.shutdownNow(); // no cancel, no half-close: the client just goes away

    cluster.waitFor("the member to free the abandoned watchers and watch streams", WAIT, () ->
        metric("etcd_debugging_mvcc_watcher_total") == watchersBefore
            && metric("etcd_debugging_mvcc_watch_stream_total") == streamsBefore ? true : null);
    var ttl = LeaseGrpc.newBlockingStub(grpc().channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).build());
    assertThat(ttl.getTTL()).as("the lease the abandoned streams kept alive is still there").isPositive();
    LeaseGrpc.newBlockingStub(grpc().channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
        .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
  }

  /**
   * A thousand connections to the client port and a thousand to the peer port that send nothing,
   * or only HTTP/2's connection preface and an empty SETTINGS frame: the member keeps serving,
   * new clients included.
   */
  @Test
  void a_thousand_idle_connections_on_each_port_do_not_keep_the_member_from_serving_others()
      throws IOException {
    List<Socket> idle = new ArrayList<>();
    try {
      IdleConnections.open(idle, member.clientEndpoint(), 1000);
      IdleConnections.open(idle, URI.create(member.peerUrl()).getAuthority(), 1000);
      grpc().put(p + "existing-client", "served");
      try (EtcdGrpc fresh = EtcdGrpc.connect(member.clientEndpoint())) {
        assertThat(fresh.status().getLeader()).isNotZero();
        fresh.put(p + "new-client", "served");
        assertThat(fresh.get(p + "existing-client", false)).isEqualTo("served");
      }
    } finally {
      IdleConnections.close(idle);
    }
  }

  /**
   * Watchers whose client never reads while far more event bytes than the member's heap are
   * written: the member may not buffer them (flow control holds the stream, the watchers fall
   * behind and catch up from the store), so its memory stays bounded, it keeps serving, and once
   * the client reads, every watcher gets every event, in order, with no gap. Many small events
   * rather than few large ones: etcd buffers a fixed number of responses per stream.
   */
  @Test
  void watchers_whose_client_never_reads_keep_memory_bounded_and_miss_nothing_once_it_reads() {
    int streams = 3;
    int watchersPerStream = 8;
    int writes = 750;
    String value = "v".repeat(10 * 1024);
    long eventBytes = (long) streams * watchersPerStream * writes * 2 * value.length(); // value + prev_kv
    ManagedChannel channel = channel();
    long first = revision() + 1;
    List<NeverReadingWatch> watches = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      NeverReadingWatch watch = new NeverReadingWatch(channel, value.length());
      for (int w = 0; w < watchersPerStream; w++) {
        watch.create(WatchCreateRequest.newBuilder().setKey(EtcdGrpc.bytes(p))
            .setRangeEnd(EtcdGrpc.prefixEnd(EtcdGrpc.bytes(p))).setPrevKv(true).setStartRevision(first).build());
      }
      watches.add(watch);
    }
    long residentBefore = ResidentMemory.bytes(member);
    for (int i = 0; i < writes; i++) {
      grpc().put(p + "k", value);
    }
    long residentAfter = ResidentMemory.bytes(member);
    assertThat(residentAfter - residentBefore)
        .as("growth of the member's resident memory (from %d MiB) while %d MiB of events waited for "
            + "a client that does not read", residentBefore >> 20, eventBytes >> 20)
        .isLessThan(eventBytes / 2);
    acknowledged.assertEveryMemberServesAndLostNothing();

    for (NeverReadingWatch watch : watches) {
      watch.startReading();
    }
    for (NeverReadingWatch watch : watches) {
      cluster.waitFor("every watcher of a stream to get all " + writes + " events", WAIT, () ->
          watch.complete(watchersPerStream, writes) ? true : null);
      watch.assertEveryWatcherGotEveryRevisionInOrder(first, writes);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /**
   * A Watch stream whose client reads nothing until told to: gRPC's flow control holds the server.
   * Once reading, it keeps only the revisions each watcher got and what was wrong with any event.
   */
  private static final class NeverReadingWatch {
    private final ClientCall<WatchRequest, WatchResponse> call;
    private final int valueLength;
    private final Map<Long, List<Long>> revisions = new ConcurrentHashMap<>();
    private final List<String> malformedEvents = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Status closed;

    NeverReadingWatch(ManagedChannel channel, int valueLength) {
      this.valueLength = valueLength;
      call = channel.newCall(WatchGrpc.getWatchMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(WatchResponse response) {
          for (Event event : response.getEventsList()) {
            received(response.getWatchId(), event);
          }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          closed = status;
        }
      }, new Metadata());
    }

    private void received(long watchId, Event event) {
      long revision = event.getKv().getModRevision();
      List<Long> got = revisions.computeIfAbsent(watchId, id -> java.util.Collections.synchronizedList(new ArrayList<>()));
      boolean prevKvExpected = !got.isEmpty();
      got.add(revision);
      if (event.getKv().getValue().size() != valueLength
          || (prevKvExpected && event.getPrevKv().getModRevision() != revision - 1)) {
        malformedEvents.add("watcher " + watchId + " at revision " + revision + ": value of "
            + event.getKv().getValue().size() + " bytes, prev_kv at " + event.getPrevKv().getModRevision());
      }
    }

    void create(WatchCreateRequest create) {
      call.sendMessage(WatchRequest.newBuilder().setCreateRequest(create).build());
    }

    void startReading() {
      call.request(Integer.MAX_VALUE);
    }

    boolean complete(int watchers, int eventsEach) {
      if (closed != null) {
        throw new AssertionError("the watch stream ended: " + closed);
      }
      return revisions.size() == watchers && revisions.values().stream().allMatch(r -> r.size() >= eventsEach);
    }

    void assertEveryWatcherGotEveryRevisionInOrder(long first, int count) {
      List<Long> expected = new ArrayList<>();
      for (long r = first; r < first + count; r++) {
        expected.add(r);
      }
      revisions.forEach((id, got) -> assertThat(got).as("revisions watcher %d got", id)
          .containsExactlyElementsOf(expected));
      assertThat(malformedEvents).isEmpty();
      call.cancel("done", null);
    }
  }

  private static <T> StreamObserver<T> ignoring() {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) { }

      @Override
      public void onError(Throwable t) { }

      @Override
      public void onCompleted() { }
    };
  }

  /** Extra fields of every wire type under field numbers no etcd message uses. */
  @SuppressWarnings("unchecked")
  private static <M extends com.google.protobuf.Message> M withUnknownFields(M message) {
    UnknownFieldSet extra = UnknownFieldSet.newBuilder()
        .addField(1000, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
        .addField(1001, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(ByteString.copyFromUtf8("from a newer client")).build())
        .addField(1002, UnknownFieldSet.Field.newBuilder().addFixed64(42).build())
        .addField(1003, UnknownFieldSet.Field.newBuilder().addFixed32(42).build())
        .build();
    return (M) message.toBuilder().setUnknownFields(extra).build();
  }

  private static RequestOp putOp(String key, String value) {
    return RequestOp.newBuilder().setRequestPut(EtcdGrpc.putRequest(key, value)).build();
  }

  private static void assertRefused(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }

  private double metric(String name) {
    return Metrics.scrape(member).sum(name);
  }

  private ManagedChannel channel() {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(member.clientEndpoint()).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    channels.add(channel);
    return channel;
  }

  private EtcdGrpc grpc() {
    return cluster.grpc(member);
  }

  private KVGrpc.KVBlockingStub kv() {
    return grpc().kv(EtcdGrpc.DEFAULT_DEADLINE);
  }

  private long revision() {
    return kv().range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes("/no-such-key")).build())
        .getHeader().getRevision();
  }
}
