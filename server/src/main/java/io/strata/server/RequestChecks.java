package io.strata.server;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validation of KV requests before they are proposed, with etcd's errors. Nothing here needs the
 * store: checks that depend on state (leases, revisions, existing keys) happen at apply time.
 */
final class RequestChecks {
  private RequestChecks() {}

  /** Returns the first problem with {@code request}, or null. */
  static StatusRuntimeException checkRange(RangeRequest request) {
    if (request.getKey().isEmpty()) {
      return EtcdErrors.EMPTY_KEY;
    }
    if (request.getSortOrder() == RangeRequest.SortOrder.UNRECOGNIZED
        || request.getSortTarget() == RangeRequest.SortTarget.UNRECOGNIZED) {
      return EtcdErrors.INVALID_SORT_OPTION;
    }
    return null;
  }

  static StatusRuntimeException checkPut(PutRequest request) {
    if (request.getKey().isEmpty()) {
      return EtcdErrors.EMPTY_KEY;
    }
    if (request.getIgnoreValue() && !request.getValue().isEmpty()) {
      return EtcdErrors.VALUE_PROVIDED;
    }
    if (request.getIgnoreLease() && request.getLease() != 0) {
      return EtcdErrors.LEASE_PROVIDED;
    }
    return null;
  }

  static StatusRuntimeException checkDelete(DeleteRangeRequest request) {
    return request.getKey().isEmpty() ? EtcdErrors.EMPTY_KEY : null;
  }

  static StatusRuntimeException checkTxn(TxnRequest request, int maxTxnOps) {
    StatusRuntimeException invalid = checkTxnShape(request, maxTxnOps);
    if (invalid != null) {
      return invalid;
    }
    try {
      checkIntervals(request.getSuccessList());
      checkIntervals(request.getFailureList());
    } catch (DuplicateKeyException e) {
      return EtcdErrors.DUPLICATE_KEY;
    }
    return null;
  }

  private static StatusRuntimeException checkTxnShape(TxnRequest request, int maxTxnOps) {
    if (request.getCompareCount() > maxTxnOps || request.getSuccessCount() > maxTxnOps
        || request.getFailureCount() > maxTxnOps) {
      return EtcdErrors.TOO_MANY_OPS;
    }
    for (var compare : request.getCompareList()) {
      if (compare.getKey().isEmpty()) {
        return EtcdErrors.EMPTY_KEY;
      }
    }
    for (List<RequestOp> branch : List.of(request.getSuccessList(), request.getFailureList())) {
      for (RequestOp op : branch) {
        StatusRuntimeException invalid = switch (op.getRequestCase()) {
          case REQUEST_RANGE -> checkRange(op.getRequestRange());
          case REQUEST_PUT -> checkPut(op.getRequestPut());
          case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
          case REQUEST_TXN -> checkTxnShape(op.getRequestTxn(), maxTxnOps);
          case REQUEST_NOT_SET -> EtcdErrors.error(io.grpc.Status.Code.INVALID_ARGUMENT,
              "etcdserver: request op is not set");
        };
        if (invalid != null) {
          return invalid;
        }
      }
    }
    return null;
  }

  /** True when the txn has a put on any path (it may add data). */
  static boolean writesData(TxnRequest request) {
    for (List<RequestOp> branch : List.of(request.getSuccessList(), request.getFailureList())) {
      for (RequestOp op : branch) {
        if (op.hasRequestPut() || (op.hasRequestTxn() && writesData(op.getRequestTxn()))) {
          return true;
        }
      }
    }
    return false;
  }

  /** A key range [start, end); an empty end is the single key start. */
  private record Interval(ByteString start, ByteString end) {
    boolean contains(ByteString key) {
      if (end.isEmpty()) {
        return start.equals(key);
      }
      boolean unbounded = end.size() == 1 && end.byteAt(0) == 0;
      return compare(start, key) <= 0 && (unbounded || compare(key, end) < 0);
    }

    private static int compare(ByteString a, ByteString b) {
      return ByteString.unsignedLexicographicalComparator().compare(a, b);
    }
  }

  private static final class DuplicateKeyException extends Exception {
    DuplicateKeyException() {
      super(null, null, false, false);
    }
  }

  /**
   * etcd's rule for one branch: no key may be put twice, and no key may be both put and deleted,
   * counting nested txns (whose two branches are alternatives and may share keys). Deletes may
   * overlap each other. Returns the keys the branch puts and fills {@code deletes}.
   */
  private static Set<ByteString> checkIntervals(List<RequestOp> ops) throws DuplicateKeyException {
    return checkIntervals(ops, new ArrayList<>());
  }

  private static Set<ByteString> checkIntervals(List<RequestOp> ops, List<Interval> deletes)
      throws DuplicateKeyException {
    for (RequestOp op : ops) {
      if (op.hasRequestDeleteRange()) {
        DeleteRangeRequest delete = op.getRequestDeleteRange();
        deletes.add(new Interval(delete.getKey(), delete.getRangeEnd()));
      }
    }
    Set<ByteString> puts = new HashSet<>();
    for (RequestOp op : ops) {
      if (!op.hasRequestTxn()) {
        continue;
      }
      List<Interval> thenDeletes = new ArrayList<>();
      List<Interval> elseDeletes = new ArrayList<>();
      Set<ByteString> thenPuts = checkIntervals(op.getRequestTxn().getSuccessList(), thenDeletes);
      Set<ByteString> elsePuts = checkIntervals(op.getRequestTxn().getFailureList(), elseDeletes);
      for (Set<ByteString> branchPuts : List.of(thenPuts, elsePuts)) {
        for (ByteString key : branchPuts) {
          if (puts.contains(key) || intersects(deletes, key)) {
            throw new DuplicateKeyException();
          }
        }
      }
      puts.addAll(thenPuts);
      puts.addAll(elsePuts);
      deletes.addAll(thenDeletes);
      deletes.addAll(elseDeletes);
    }
    for (RequestOp op : ops) {
      if (!op.hasRequestPut()) {
        continue;
      }
      ByteString key = op.getRequestPut().getKey();
      if (!puts.add(key) || intersects(deletes, key)) {
        throw new DuplicateKeyException();
      }
    }
    return puts;
  }

  private static boolean intersects(List<Interval> intervals, ByteString key) {
    for (Interval interval : intervals) {
      if (interval.contains(key)) {
        return true;
      }
    }
    return false;
  }
}
