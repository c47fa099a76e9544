package io.strata.robustness.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.CompactionResponse;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.LeaseRevokeResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.robustness.checker.Compare;
import io.strata.robustness.checker.KeyRange;
import io.strata.robustness.checker.KeyValue;
import io.strata.robustness.checker.Request;
import io.strata.robustness.checker.Response;
import io.strata.robustness.checker.WatchStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTranslationTest {

  private static final ResponseHeader H7 = ResponseHeader.newBuilder().setRevision(7).build();

  private static io.strata.api.mvccpb.KeyValue kv(String k, String v, long c, long m, long ver) {
    return io.strata.api.mvccpb.KeyValue.newBuilder().setKey(ModelTranslation.bytes(k))
        .setValue(ModelTranslation.bytes(v)).setCreateRevision(c).setModRevision(m)
        .setVersion(ver).build();
  }

  @Test
  void requests() {
    assertThat(ModelTranslation.request(RangeRequest.newBuilder()
        .setKey(ModelTranslation.bytes("/a")).setRangeEnd(ModelTranslation.bytes("/b"))
        .setRevision(3).build()))
        .isEqualTo(new Request.Range(new KeyRange("/a", "/b"), 3));
    assertThat(ModelTranslation.request(PutRequest.newBuilder()
        .setKey(ModelTranslation.bytes("k")).setValue(ModelTranslation.bytes("v")).setLease(9)
        .setPrevKv(true).build()))
        .isEqualTo(new Request.Put("k", "v", 9, true));
    assertThat(ModelTranslation.request(DeleteRangeRequest.newBuilder()
        .setKey(ModelTranslation.bytes("k")).build()))
        .isEqualTo(new Request.Delete(KeyRange.single("k"), false));
    assertThat(ModelTranslation.request(KvTraffic.casTxn("k", 5, "v1")))
        .isEqualTo(new Request.Txn(
            List.of(Compare.modRevision("k", Compare.Result.EQUAL, 5)),
            List.of(new Request.Put("k", "v1", 0, false)),
            List.of(new Request.Range(KeyRange.single("k"), 0))));
  }

  @Test
  void responses_carry_the_header_revision_and_the_mvcc_fields() {
    assertThat(ModelTranslation.response(RangeResponse.newBuilder().setHeader(H7)
        .addKvs(kv("k", "v", 2, 5, 3)).setCount(1).build()))
        .isEqualTo(new Response.Range(7, List.of(new KeyValue("k", "v", 2, 5, 3, 0))));
    assertThat(ModelTranslation.response(PutResponse.newBuilder().setHeader(H7).build()))
        .isEqualTo(new Response.Put(7, null));
    assertThat(ModelTranslation.response(PutResponse.newBuilder().setHeader(H7)
        .setPrevKv(kv("k", "old", 2, 2, 1)).build()))
        .isEqualTo(new Response.Put(7, new KeyValue("k", "old", 2, 2, 1, 0)));
    assertThat(ModelTranslation.response(DeleteRangeResponse.newBuilder().setHeader(H7)
        .setDeleted(2).build()))
        .isEqualTo(new Response.Delete(7, 2, List.of()));
  }

  @Test
  void txn_sub_responses_take_the_txn_revision() {
    TxnResponse failed = TxnResponse.newBuilder().setHeader(H7).setSucceeded(false)
        .addResponses(ResponseOp.newBuilder().setResponseRange(
            RangeResponse.newBuilder().addKvs(kv("k", "v", 2, 6, 2))))
        .build();
    assertThat(ModelTranslation.response(failed)).isEqualTo(new Response.Txn(7, false,
        List.of(new Response.Range(7, List.of(new KeyValue("k", "v", 2, 6, 2, 0))))));
    TxnResponse won = TxnResponse.newBuilder().setHeader(H7).setSucceeded(true)
        .addResponses(ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance()))
        .build();
    assertThat(ModelTranslation.response(won))
        .isEqualTo(new Response.Txn(7, true, List.of(new Response.Put(7, null))));
  }

  @Test
  void a_failed_read_is_a_definite_error_and_a_compacted_read_is_recognised() {
    Request read = new Request.Range(KeyRange.single("k"), 0);
    assertThat(ModelTranslation.failure(read, Status.UNAVAILABLE.asRuntimeException()))
        .isNotNull();
    assertThat(ModelTranslation.failure(read, Status.DEADLINE_EXCEEDED.asRuntimeException()))
        .isNotNull();
    assertThat(ModelTranslation.failure(new Request.Range(KeyRange.single("k"), 2),
        Status.OUT_OF_RANGE.withDescription(
            "etcdserver: mvcc: required revision has been compacted").asRuntimeException()))
        .isEqualTo(new Response.Error(Response.Error.COMPACTED));
  }

  @Test
  void a_failed_write_is_unknown_unless_etcd_rejected_it_before_proposing() {
    Request put = new Request.Put("k", "v", 0, false);
    for (Status s : List.of(Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.CANCELLED,
        Status.UNKNOWN, Status.INTERNAL, Status.RESOURCE_EXHAUSTED, Status.FAILED_PRECONDITION)) {
      assertThat(ModelTranslation.failure(put, s.asRuntimeException())).as(s.toString()).isNull();
    }
    assertThat(ModelTranslation.failure(put, new RuntimeException("not a gRPC status"))).isNull();
    assertThat(ModelTranslation.failure(put, Status.INVALID_ARGUMENT
        .withDescription("etcdserver: key is not provided").asRuntimeException()))
        .isEqualTo(new Response.Error("INVALID_ARGUMENT: etcdserver: key is not provided"));
  }
  @Test
  void lease_and_compaction_requests_and_responses() {
    assertThat(ModelTranslation.request(LeaseGrantRequest.newBuilder().setTTL(600).build()))
        .isEqualTo(new Request.LeaseGrant(0, 600));
    assertThat(ModelTranslation.response(LeaseGrantResponse.newBuilder().setHeader(H7).setID(42)
        .setTTL(600).build())).isEqualTo(new Response.LeaseGrant(7, 42));
    assertThat(ModelTranslation.request(LeaseRevokeRequest.newBuilder().setID(42).build()))
        .isEqualTo(new Request.LeaseRevoke(42));
    assertThat(ModelTranslation.response(LeaseRevokeResponse.newBuilder().setHeader(H7).build()))
        .isEqualTo(new Response.LeaseRevoke(7));
    assertThat(ModelTranslation.request(CompactionRequest.newBuilder().setRevision(5).build()))
        .isEqualTo(new Request.Compact(5));
    assertThat(ModelTranslation.response(CompactionResponse.newBuilder().setHeader(H7).build()))
        .isEqualTo(new Response.Compact(7));
  }

  @Test
  void watch_responses_become_events_progress_or_a_compaction_cancel() {
    WatchResponse events = WatchResponse.newBuilder().setHeader(H7).setWatchId(1)
        .addEvents(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv("k", "v", 2, 7, 2)))
        .addEvents(Event.newBuilder().setType(Event.EventType.DELETE).setKv(
            io.strata.api.mvccpb.KeyValue.newBuilder().setKey(ModelTranslation.bytes("j"))
                .setModRevision(7)))
        .build();
    assertThat(ModelTranslation.reply(events)).isEqualTo(WatchStream.Reply.events(7,
        new WatchStream.Event(WatchStream.Event.Type.PUT, new KeyValue("k", "v", 2, 7, 2, 0)),
        new WatchStream.Event(WatchStream.Event.Type.DELETE, new KeyValue("j", "", 0, 7, 0, 0))));
    assertThat(ModelTranslation.reply(WatchResponse.newBuilder().setHeader(H7).setWatchId(-1)
        .build())).isEqualTo(WatchStream.Reply.progress(7));
    assertThat(ModelTranslation.reply(WatchResponse.newBuilder().setWatchId(1)
        .setCompactRevision(5).setCanceled(true).build()))
        .isEqualTo(new WatchStream.Reply(0, 5, false, List.of()));
    assertThat(ModelTranslation.reply(WatchResponse.newBuilder().setHeader(H7).setWatchId(1)
        .setCreated(true).build())).isNull();
    assertThat(ModelTranslation.reply(WatchResponse.newBuilder().setHeader(H7).setWatchId(1)
        .setCanceled(true).build())).isNull();
  }

  @Test
  void a_compaction_refused_as_compacted_or_future_is_definite_and_otherwise_unknown() {
    Request compact = new Request.Compact(5);
    assertThat(ModelTranslation.failure(compact, Status.OUT_OF_RANGE.withDescription(
        "etcdserver: mvcc: required revision has been compacted").asRuntimeException()))
        .isEqualTo(new Response.Error(Response.Error.COMPACTED));
    assertThat(ModelTranslation.failure(compact, Status.OUT_OF_RANGE.withDescription(
        "etcdserver: mvcc: required revision is a future revision").asRuntimeException()))
        .isEqualTo(new Response.Error(Response.Error.FUTURE_REVISION));
    assertThat(ModelTranslation.failure(compact, Status.UNAVAILABLE.asRuntimeException()))
        .as("it may have been applied").isNull();
  }

  @Test
  void a_missing_lease_is_definite_and_a_lost_grant_or_revoke_is_unknown() {
    StatusRuntimeException notFound = Status.NOT_FOUND
        .withDescription("etcdserver: requested lease not found").asRuntimeException();
    assertThat(ModelTranslation.failure(new Request.Put("k", "v", 42, false), notFound))
        .isEqualTo(new Response.Error("NOT_FOUND: etcdserver: requested lease not found"));
    assertThat(ModelTranslation.failure(new Request.LeaseRevoke(42), notFound)).isNotNull();
    assertThat(ModelTranslation.failure(new Request.LeaseRevoke(42),
        Status.DEADLINE_EXCEEDED.asRuntimeException())).isNull();
    assertThat(ModelTranslation.failure(new Request.LeaseGrant(0, 600),
        Status.UNAVAILABLE.asRuntimeException())).as("the lease may exist").isNull();
    assertThat(ModelTranslation.failure(new Request.Put("k", "v", 0, false),
        Status.NOT_FOUND.withDescription("something else").asRuntimeException())).isNull();
  }
}
