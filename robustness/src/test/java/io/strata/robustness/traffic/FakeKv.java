package io.strata.robustness.traffic;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * An in-memory etcd KV service, enough for the traffic: single-key and [key, end) ranges, puts,
 * deletes, txns with compares on mod_revision. Faults for tests: writes that are applied and then
 * answered UNAVAILABLE, and reads served from an old snapshot (a stale-read bug).
 */
final class FakeKv extends KVGrpc.KVImplBase {

  private final TreeMap<String, KeyValue> kvs = new TreeMap<>();
  private TreeMap<String, KeyValue> previous = new TreeMap<>();
  private long revision = 1;
  private int writes;
  /** Given the write's ordinal, whether to answer UNAVAILABLE after applying it. */
  IntPredicate loseReplyOfWrite = n -> false;
  /** Serve reads from the state before the last write. */
  boolean staleReads;

  private static String s(ByteString b) {
    return b.toStringUtf8();
  }

  private ResponseHeader header() {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  private List<KeyValue> select(TreeMap<String, KeyValue> state, ByteString key, ByteString end) {
    if (end.isEmpty()) {
      KeyValue kv = state.get(s(key));
      return kv == null ? List.of() : List.of(kv);
    }
    return new ArrayList<>(state.subMap(s(key), s(end)).values());
  }

  private RangeResponse doRange(RangeRequest r, boolean stale) {
    List<KeyValue> found = select(stale ? previous : kvs, r.getKey(), r.getRangeEnd());
    return RangeResponse.newBuilder().setHeader(header()).addAllKvs(found).setCount(found.size())
        .build();
  }

  private PutResponse doPut(PutRequest r) {
    KeyValue old = kvs.get(s(r.getKey()));
    KeyValue kv = KeyValue.newBuilder().setKey(r.getKey()).setValue(r.getValue())
        .setCreateRevision(old == null ? revision : old.getCreateRevision())
        .setModRevision(revision).setVersion(old == null ? 1 : old.getVersion() + 1).build();
    kvs.put(s(r.getKey()), kv);
    PutResponse.Builder b = PutResponse.newBuilder().setHeader(header());
    if (r.getPrevKv() && old != null) {
      b.setPrevKv(old);
    }
    return b.build();
  }

  private DeleteRangeResponse doDelete(DeleteRangeRequest r) {
    List<KeyValue> gone = select(kvs, r.getKey(), r.getRangeEnd());
    gone.forEach(kv -> kvs.remove(s(kv.getKey())));
    DeleteRangeResponse.Builder b =
        DeleteRangeResponse.newBuilder().setHeader(header()).setDeleted(gone.size());
    if (r.getPrevKv()) {
      b.addAllPrevKvs(gone);
    }
    return b.build();
  }

  private boolean holds(Compare c) {
    KeyValue kv = kvs.get(s(c.getKey()));
    long actual = kv == null ? 0 : kv.getModRevision();
    if (c.getTarget() != Compare.CompareTarget.MOD || c.getResult() != Compare.CompareResult.EQUAL) {
      throw Status.UNIMPLEMENTED.withDescription("fake: only mod == n").asRuntimeException();
    }
    return actual == c.getModRevision();
  }

  /** Starts a write: the revision it would create, applied only if it writes. */
  private void beginWrite() {
    previous = new TreeMap<>(kvs);
    revision++;
  }

  private <T> void reply(StreamObserver<T> out, T response, boolean wrote) {
    if (wrote && loseReplyOfWrite.test(writes++)) {
      out.onError(Status.UNAVAILABLE.withDescription("fake: reply lost").asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  @Override
  public synchronized void range(RangeRequest r, StreamObserver<RangeResponse> out) {
    reply(out, doRange(r, staleReads), false);
  }

  @Override
  public synchronized void put(PutRequest r, StreamObserver<PutResponse> out) {
    if (r.getKey().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided")
          .asRuntimeException());
      return;
    }
    beginWrite();
    reply(out, doPut(r), true);
  }

  @Override
  public synchronized void deleteRange(DeleteRangeRequest r, StreamObserver<DeleteRangeResponse> out) {
    if (select(kvs, r.getKey(), r.getRangeEnd()).isEmpty()) {
      reply(out, DeleteRangeResponse.newBuilder().setHeader(header()).build(), false);
      return;
    }
    beginWrite();
    reply(out, doDelete(r), true);
  }

  @Override
  public synchronized void txn(TxnRequest r, StreamObserver<TxnResponse> out) {
    boolean ok = r.getCompareList().stream().allMatch(this::holds);
    List<RequestOp> ops = ok ? r.getSuccessList() : r.getFailureList();
    boolean writes = ops.stream().anyMatch(op -> !op.hasRequestRange());
    if (writes) {
      beginWrite();
    }
    TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(ok);
    for (RequestOp op : ops) {
      b.addResponses(switch (op.getRequestCase()) {
        case REQUEST_RANGE -> ResponseOp.newBuilder()
            .setResponseRange(doRange(op.getRequestRange(), false).toBuilder().clearHeader());
        case REQUEST_PUT -> ResponseOp.newBuilder()
            .setResponsePut(doPut(op.getRequestPut()).toBuilder().clearHeader());
        case REQUEST_DELETE_RANGE -> ResponseOp.newBuilder()
            .setResponseDeleteRange(doDelete(op.getRequestDeleteRange()).toBuilder().clearHeader());
        default -> throw Status.UNIMPLEMENTED.asRuntimeException();
      });
    }
    reply(out, b.setHeader(header()).build(), writes);
  }
}
