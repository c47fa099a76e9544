package io.strata.server;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.CompactionResponse;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.mvccpb.KeyValue;
import io.strata.api.peerpb.ApplyResult;
import io.strata.storage.KvWriteTxn;
import io.strata.storage.RangeResult;
import io.strata.storage.RevisionUnavailableException;
import io.strata.storage.StoreBatch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The KV part of the apply core: what put, delete, txn and compaction entries do to the store,
 * and the result their proposer sees. Deterministic (see {@link io.strata.raft.ApplyCore});
 * business failures become {@link ApplyResult#getError()} values and leave the store untouched.
 *
 * <p>A txn is applied as etcd applies it: first every compare of the txn tree is evaluated against
 * the state before the txn (choosing a path through nested txns), then the requests on that path
 * are checked (read revisions, keys required by ignore_value/ignore_lease, leases), and only if all
 * pass are they executed, in order, each seeing the writes of the ones before.
 *
 * <p>Threading: apply thread only.
 */
final class KvApplier {
  private final LeaseKeys leases;
  private final PhysicalCompactor compactor;

  KvApplier(LeaseKeys leases, PhysicalCompactor compactor) {
    this.leases = leases;
    this.compactor = compactor;
  }

  ApplyResult put(StoreBatch batch, PutRequest request) {
    return applyTxn(batch, TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(request)).build(), true);
  }

  ApplyResult delete(StoreBatch batch, DeleteRangeRequest request) {
    return applyTxn(batch, TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(request)).build(), true);
  }

  ApplyResult txn(StoreBatch batch, TxnRequest request) {
    return applyTxn(batch, request, false);
  }

  /**
   * Applies a txn. A plain put or delete is applied as a txn of one request and answered with that
   * request's own response ({@code unwrap}).
   */
  private ApplyResult applyTxn(StoreBatch batch, TxnRequest request, boolean unwrap) {
    KvWriteTxn txn = batch.beginKvTxn();
    List<Boolean> path = new ArrayList<>();
    choosePath(txn, request, path);
    StatusRuntimeException invalid = check(txn, request, path.iterator());
    if (invalid != null) {
      txn.end();
      return error(invalid);
    }
    TxnResponse.Builder response = execute(txn, request, path.iterator());
    txn.end();
    if (unwrap) {
      ResponseOp only = response.getResponses(0);
      return switch (only.getResponseCase()) {
        case RESPONSE_PUT -> ApplyResult.newBuilder().setPut(only.getResponsePut()).build();
        case RESPONSE_DELETE_RANGE -> ApplyResult.newBuilder().setDeleteRange(only.getResponseDeleteRange()).build();
        default -> throw new IllegalStateException("unexpected single response " + only.getResponseCase());
      };
    }
    response.setHeader(ResponseHeader.newBuilder().setRevision(batch.currentRevision()));
    return ApplyResult.newBuilder().setTxn(response).build();
  }

  /** Evaluates the compares of the txn tree in pre-order, recording which branch each txn takes. */
  private static void choosePath(KvWriteTxn txn, TxnRequest request, List<Boolean> path) {
    boolean succeeded = true;
    for (Compare compare : request.getCompareList()) {
      if (!compare(txn, compare)) {
        succeeded = false;
        break;
      }
    }
    path.add(succeeded);
    for (RequestOp op : succeeded ? request.getSuccessList() : request.getFailureList()) {
      if (op.hasRequestTxn()) {
        choosePath(txn, op.getRequestTxn(), path);
      }
    }
  }

  private static boolean compare(KvWriteTxn txn, Compare compare) {
    RangeResult found = txn.range(compare.getKey().toByteArray(), compare.getRangeEnd().toByteArray(), 0, 0, true);
    if (found.kvs().isEmpty()) {
      // A value compare on missing keys always fails; other targets compare against zero.
      return compare.getTarget() != Compare.CompareTarget.VALUE
          && compareOne(compare, KeyValue.getDefaultInstance());
    }
    for (KeyValue kv : found.kvs()) {
      if (!compareOne(compare, kv)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareOne(Compare compare, KeyValue kv) {
    int order = switch (compare.getTarget()) {
      case VALUE -> ByteString.unsignedLexicographicalComparator().compare(kv.getValue(), compare.getValue());
      case CREATE -> Long.compare(kv.getCreateRevision(), compare.getCreateRevision());
      case MOD -> Long.compare(kv.getModRevision(), compare.getModRevision());
      case VERSION -> Long.compare(kv.getVersion(), compare.getVersion());
      case LEASE -> Long.compare(kv.getLease(), compare.getLease());
      case UNRECOGNIZED -> 0;
    };
    return switch (compare.getResult()) {
      case EQUAL -> order == 0;
      case NOT_EQUAL -> order != 0;
      case GREATER -> order > 0;
      case LESS -> order < 0;
      case UNRECOGNIZED -> false;
    };
  }

  /** Checks the requests on the chosen path against the state before the txn; null when all pass. */
  private StatusRuntimeException check(KvWriteTxn txn, TxnRequest request, Iterator<Boolean> path) {
    boolean succeeded = path.next();
    for (RequestOp op : succeeded ? request.getSuccessList() : request.getFailureList()) {
      StatusRuntimeException invalid = switch (op.getRequestCase()) {
        case REQUEST_RANGE -> checkRange(txn, op.getRequestRange());
        case REQUEST_PUT -> checkPut(txn, op.getRequestPut());
        case REQUEST_TXN -> check(txn, op.getRequestTxn(), path);
        default -> null;
      };
      if (invalid != null) {
        return invalid;
      }
    }
    return null;
  }

  private static StatusRuntimeException checkRange(KvWriteTxn txn, RangeRequest range) {
    if (range.getRevision() <= 0) {
      return null;
    }
    try {
      txn.range(range.getKey().toByteArray(), new byte[0], range.getRevision(), 1, false);
      return null;
    } catch (RevisionUnavailableException e) {
      return revisionError(e);
    }
  }

  private StatusRuntimeException checkPut(KvWriteTxn txn, PutRequest put) {
    if ((put.getIgnoreValue() || put.getIgnoreLease()) && txn.get(put.getKey().toByteArray()) == null) {
      return EtcdErrors.KEY_NOT_FOUND;
    }
    if (put.getLease() != 0 && !leases.exists(put.getLease())) {
      return EtcdErrors.LEASE_NOT_FOUND;
    }
    return null;
  }

  private TxnResponse.Builder execute(KvWriteTxn txn, TxnRequest request, Iterator<Boolean> path) {
    boolean succeeded = path.next();
    TxnResponse.Builder response = TxnResponse.newBuilder()
        .setHeader(ResponseHeader.getDefaultInstance())
        .setSucceeded(succeeded);
    for (RequestOp op : succeeded ? request.getSuccessList() : request.getFailureList()) {
      ResponseOp.Builder result = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> result.setResponseRange(
            RangeEvaluator.evaluate(op.getRequestRange(), txn::range, txn.readRevision()));
        case REQUEST_PUT -> result.setResponsePut(executePut(txn, op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> result.setResponseDeleteRange(executeDelete(txn, op.getRequestDeleteRange()));
        case REQUEST_TXN -> result.setResponseTxn(execute(txn, op.getRequestTxn(), path));
        case REQUEST_NOT_SET -> { }
      }
      response.addResponses(result);
    }
    return response;
  }

  private PutResponse executePut(KvWriteTxn txn, PutRequest request) {
    byte[] key = request.getKey().toByteArray();
    KeyValue previous = txn.get(key);
    ByteString value = request.getIgnoreValue() ? previous.getValue() : request.getValue();
    long lease = request.getIgnoreLease() ? previous.getLease() : request.getLease();
    txn.put(key, value, lease, previous);
    if (previous != null && previous.getLease() != 0 && previous.getLease() != lease) {
      leases.detach(previous.getLease(), request.getKey());
    }
    if (lease != 0) {
      leases.attach(lease, request.getKey());
    }
    PutResponse.Builder response = PutResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(txn.revision()));
    if (request.getPrevKv() && previous != null) {
      response.setPrevKv(previous);
    }
    return response.build();
  }

  private DeleteRangeResponse executeDelete(KvWriteTxn txn, DeleteRangeRequest request) {
    List<KeyValue> deleted = txn.deleteRange(request.getKey().toByteArray(), request.getRangeEnd().toByteArray());
    for (KeyValue kv : deleted) {
      if (kv.getLease() != 0) {
        leases.detach(kv.getLease(), kv.getKey());
      }
    }
    DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(txn.readRevision()))
        .setDeleted(deleted.size());
    if (request.getPrevKv()) {
      response.addAllPrevKvs(deleted);
    }
    return response.build();
  }

  ApplyResult compaction(StoreBatch batch, CompactionRequest request) {
    long revision = request.getRevision();
    if (revision <= batch.compactRevision()) {
      return error(EtcdErrors.COMPACTED);
    }
    if (revision > batch.currentRevision()) {
      return error(EtcdErrors.FUTURE_REV);
    }
    batch.scheduleCompaction(revision);
    compactor.scheduleAfterCommit(revision);
    return ApplyResult.newBuilder().setCompaction(CompactionResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(batch.currentRevision()))).build();
  }

  static StatusRuntimeException revisionError(RevisionUnavailableException e) {
    return e.reason() == RevisionUnavailableException.Reason.COMPACTED ? EtcdErrors.COMPACTED : EtcdErrors.FUTURE_REV;
  }

  static ApplyResult error(StatusRuntimeException error) {
    return EtcdErrors.result(error);
  }
}
