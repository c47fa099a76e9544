package io.strata.client;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.CompactionResponse;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.client.internal.CallKind;
import io.strata.client.internal.Invoker;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's KV service: range, put, delete, txn, compact. Reads (ranges, a txn without writes) are
 * retried on another member after a member or connection failure; a put, delete or txn that can
 * write carries a request id and is retried as the client's retry contract allows (see
 * {@link StrataClient}); a compaction only if it never left the client. A write whose outcome stays
 * unknown fails with {@link WriteOutcomeUnknownException}; any other failure is the member's
 * {@code StatusRuntimeException} (etcd's code and message).
 *
 * <p>Threading: thread-safe; every method returns at once, its future completes on the client's
 * executor.
 */
public final class KvClient {
  private final Invoker invoker;

  KvClient(Invoker invoker) {
    this.invoker = invoker;
  }

  public CompletableFuture<PutResponse> put(ByteString key, ByteString value) {
    return put(PutRequest.newBuilder().setKey(key).setValue(value).build());
  }

  public CompletableFuture<PutResponse> put(PutRequest request) {
    return invoker.call(KVGrpc.getPutMethod(), request, CallKind.IDEMPOTENT_WRITE);
  }

  /** The value of {@code key}, linearizably. */
  public CompletableFuture<RangeResponse> get(ByteString key) {
    return range(RangeRequest.newBuilder().setKey(key).build());
  }

  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return invoker.call(KVGrpc.getRangeMethod(), request, CallKind.READ);
  }

  public CompletableFuture<DeleteRangeResponse> delete(ByteString key) {
    return delete(DeleteRangeRequest.newBuilder().setKey(key).build());
  }

  public CompletableFuture<DeleteRangeResponse> delete(DeleteRangeRequest request) {
    return invoker.call(KVGrpc.getDeleteRangeMethod(), request, CallKind.IDEMPOTENT_WRITE);
  }

  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return invoker.call(KVGrpc.getTxnMethod(), request, writes(request) ? CallKind.IDEMPOTENT_WRITE : CallKind.READ);
  }

  public CompletableFuture<CompactionResponse> compact(long revision) {
    return compact(CompactionRequest.newBuilder().setRevision(revision).build());
  }

  public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    return invoker.call(KVGrpc.getCompactMethod(), request, CallKind.WRITE);
  }

  /** Whether a branch of {@code txn} (nested txns included) can write. */
  static boolean writes(TxnRequest txn) {
    for (List<RequestOp> branch : List.of(txn.getSuccessList(), txn.getFailureList())) {
      for (RequestOp op : branch) {
        if (op.hasRequestPut() || op.hasRequestDeleteRange() || (op.hasRequestTxn() && writes(op.getRequestTxn()))) {
          return true;
        }
      }
    }
    return false;
  }
}
