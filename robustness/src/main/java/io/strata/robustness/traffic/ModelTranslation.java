package io.strata.robustness.traffic;

import com.google.protobuf.ByteString;
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
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.robustness.checker.Compare;
import io.strata.robustness.checker.KeyRange;
import io.strata.robustness.checker.KeyValue;
import io.strata.robustness.checker.Request;
import io.strata.robustness.checker.Response;
import io.strata.robustness.checker.WatchStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Translates etcd v3 protobuf requests and responses into the checker's model, and decides what a
 * failed call means for the history: a definite failure (nothing was applied) or an unknown outcome.
 *
 * <p>Keys and values are UTF-8 strings (the traffic writes printable ASCII).
 */
public final class ModelTranslation {

  /**
   * Codes with which etcd rejects a request before it is proposed (validation, auth). Everything
   * else (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN, INTERNAL, RESOURCE_EXHAUSTED, ...)
   * may come after the request was sent and proposed, so a write failing with it is unknown.
   */
  private static final Set<Status.Code> DEFINITE_WRITE_FAILURES =
      Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.UNAUTHENTICATED,
          Status.Code.PERMISSION_DENIED, Status.Code.UNIMPLEMENTED);

  private ModelTranslation() {}

  static String str(ByteString b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  // --- requests -------------------------------------------------------------------------------

  public static Request.Range request(RangeRequest r) {
    return new Request.Range(new KeyRange(str(r.getKey()), str(r.getRangeEnd())), r.getRevision());
  }

  public static Request.Put request(PutRequest r) {
    return new Request.Put(str(r.getKey()), str(r.getValue()), r.getLease(), r.getPrevKv());
  }

  public static Request.Delete request(DeleteRangeRequest r) {
    return new Request.Delete(new KeyRange(str(r.getKey()), str(r.getRangeEnd())), r.getPrevKv());
  }

  public static Request.Txn request(TxnRequest r) {
    List<Compare> compares = new ArrayList<>();
    for (io.strata.api.etcdserverpb.Compare c : r.getCompareList()) {
      compares.add(compare(c));
    }
    return new Request.Txn(compares, ops(r.getSuccessList()), ops(r.getFailureList()));
  }

  public static Request.LeaseGrant request(LeaseGrantRequest r) {
    return new Request.LeaseGrant(r.getID(), r.getTTL());
  }

  public static Request.LeaseRevoke request(LeaseRevokeRequest r) {
    return new Request.LeaseRevoke(r.getID());
  }

  public static Request.Compact request(CompactionRequest r) {
    return new Request.Compact(r.getRevision());
  }

  private static List<Request> ops(List<RequestOp> ops) {
    List<Request> out = new ArrayList<>();
    for (RequestOp op : ops) {
      out.add(switch (op.getRequestCase()) {
        case REQUEST_RANGE -> request(op.getRequestRange());
        case REQUEST_PUT -> request(op.getRequestPut());
        case REQUEST_DELETE_RANGE -> request(op.getRequestDeleteRange());
        case REQUEST_TXN -> request(op.getRequestTxn());
        case REQUEST_NOT_SET -> throw new IllegalArgumentException("empty RequestOp");
      });
    }
    return out;
  }

  static Compare compare(io.strata.api.etcdserverpb.Compare c) {
    if (!c.getRangeEnd().isEmpty()) {
      throw new IllegalArgumentException("the model has no range compares: " + c);
    }
    Compare.Result result = switch (c.getResult()) {
      case EQUAL -> Compare.Result.EQUAL;
      case GREATER -> Compare.Result.GREATER;
      case LESS -> Compare.Result.LESS;
      case NOT_EQUAL -> Compare.Result.NOT_EQUAL;
      case UNRECOGNIZED -> throw new IllegalArgumentException("compare result " + c);
    };
    String key = str(c.getKey());
    return switch (c.getTarget()) {
      case VERSION -> new Compare(key, Compare.Target.VERSION, result, c.getVersion(), null);
      case CREATE -> new Compare(key, Compare.Target.CREATE, result, c.getCreateRevision(), null);
      case MOD -> new Compare(key, Compare.Target.MOD, result, c.getModRevision(), null);
      case VALUE -> new Compare(key, Compare.Target.VALUE, result, 0, str(c.getValue()));
      default -> throw new IllegalArgumentException("compare target " + c);
    };
  }

  // --- responses ------------------------------------------------------------------------------

  public static KeyValue keyValue(io.strata.api.mvccpb.KeyValue kv) {
    return new KeyValue(str(kv.getKey()), str(kv.getValue()), kv.getCreateRevision(),
        kv.getModRevision(), kv.getVersion(), kv.getLease());
  }

  private static List<KeyValue> keyValues(List<io.strata.api.mvccpb.KeyValue> kvs) {
    return kvs.stream().map(ModelTranslation::keyValue).toList();
  }

  public static Response.Range response(RangeResponse r) {
    return range(r, r.getHeader().getRevision());
  }

  private static Response.Range range(RangeResponse r, long revision) {
    return new Response.Range(revision, keyValues(r.getKvsList()));
  }

  public static Response.Put response(PutResponse r) {
    return put(r, r.getHeader().getRevision());
  }

  private static Response.Put put(PutResponse r, long revision) {
    return new Response.Put(revision, r.hasPrevKv() ? keyValue(r.getPrevKv()) : null);
  }

  public static Response.Delete response(DeleteRangeResponse r) {
    return delete(r, r.getHeader().getRevision());
  }

  private static Response.Delete delete(DeleteRangeResponse r, long revision) {
    return new Response.Delete(revision, r.getDeleted(), keyValues(r.getPrevKvsList()));
  }

  public static Response.Txn response(TxnResponse r) {
    return txn(r, r.getHeader().getRevision());
  }

  /** Sub-responses carry the txn's header revision (etcd leaves their own headers unset). */
  private static Response.Txn txn(TxnResponse r, long revision) {
    List<Response> subs = new ArrayList<>();
    for (ResponseOp op : r.getResponsesList()) {
      subs.add(switch (op.getResponseCase()) {
        case RESPONSE_RANGE -> range(op.getResponseRange(), revision);
        case RESPONSE_PUT -> put(op.getResponsePut(), revision);
        case RESPONSE_DELETE_RANGE -> delete(op.getResponseDeleteRange(), revision);
        case RESPONSE_TXN -> txn(op.getResponseTxn(), revision);
        case RESPONSE_NOT_SET -> throw new IllegalArgumentException("empty ResponseOp");
      });
    }
    return new Response.Txn(revision, r.getSucceeded(), subs);
  }

  public static Response.LeaseGrant response(LeaseGrantResponse r) {
    return new Response.LeaseGrant(r.getHeader().getRevision(), r.getID());
  }

  public static Response.LeaseRevoke response(LeaseRevokeResponse r) {
    return new Response.LeaseRevoke(r.getHeader().getRevision());
  }

  public static Response.Compact response(CompactionResponse r) {
    return new Response.Compact(r.getHeader().getRevision());
  }

  // --- watch ----------------------------------------------------------------------------------

  /**
   * A watch response as the checker's reply: events, a progress notification (no events, not
   * created or canceled, a header revision: clientv3's {@code IsProgressNotify}), or a cancel for
   * compaction. Null for what the checker has no use for: the created response and a cancel for
   * another reason.
   */
  public static WatchStream.Reply reply(WatchResponse r) {
    long revision = r.getHeader().getRevision();
    if (r.getCompactRevision() != 0) {
      return new WatchStream.Reply(revision, r.getCompactRevision(), false, List.of());
    }
    if (r.getCreated() || r.getCanceled()) {
      return null;
    }
    if (r.getEventsCount() == 0) {
      return revision == 0 ? null : WatchStream.Reply.progress(revision);
    }
    List<WatchStream.Event> events = new ArrayList<>();
    for (io.strata.api.mvccpb.Event e : r.getEventsList()) {
      events.add(new WatchStream.Event(switch (e.getType()) {
        case PUT -> WatchStream.Event.Type.PUT;
        case DELETE -> WatchStream.Event.Type.DELETE;
        case UNRECOGNIZED -> throw new IllegalArgumentException("event type " + e);
      }, keyValue(e.getKv())));
    }
    return new WatchStream.Reply(revision, 0, false, events);
  }

  // --- failures -------------------------------------------------------------------------------

  /**
   * What a failed call means for the history: a {@link Response.Error} when etcd guarantees the
   * request had no effect, or null for an unknown outcome (recorded with return = ∞).
   *
   * <ul>
   *   <li>A read never has an effect, so its failure is always definite; a read of a compacted or
   *       future revision becomes {@link Response.Error#COMPACTED} or {@link
   *       Response.Error#FUTURE_REVISION}.
   *   <li>A compaction failing with those two is definite too: etcd refuses it when applying it.
   *   <li>A put or revoke of a lease that does not exist ("requested lease not found") is
   *       definite: etcd refuses it before proposing or when applying it.
   *   <li>Any other failure of a request with an effect (a write, a lease grant, a compaction) is
   *       definite only for codes with which etcd rejects it before proposing; when in doubt,
   *       unknown.
   * </ul>
   */
  public static Response.Error failure(Request request, Throwable error) {
    Status status = Status.fromThrowable(error);
    String description = status.getDescription() == null ? "" : status.getDescription();
    boolean read = request instanceof Request.Range;
    if (status.getCode() == Status.Code.OUT_OF_RANGE
        && (read || request instanceof Request.Compact)) {
      if (description.contains("compacted")) {
        return new Response.Error(Response.Error.COMPACTED);
      }
      if (description.contains("future revision")) {
        return new Response.Error(Response.Error.FUTURE_REVISION);
      }
    }
    boolean definite = read
        || (error instanceof StatusRuntimeException
            && (DEFINITE_WRITE_FAILURES.contains(status.getCode()) || leaseNotFound(status)));
    return definite ? new Response.Error(status.getCode() + ": " + description) : null;
  }

  /** etcd's {@code ErrGRPCLeaseNotFound}. */
  static boolean leaseNotFound(Status status) {
    return status.getCode() == Status.Code.NOT_FOUND && status.getDescription() != null
        && status.getDescription().contains("lease not found");
  }

  /**
   * Whether the member answered the request itself (an etcd error about the request), rather than
   * failing to serve it: then there is no reason to leave it for another endpoint.
   */
  static boolean answeredByTheMember(Throwable error) {
    Status.Code code = Status.fromThrowable(error).getCode();
    return error instanceof StatusRuntimeException
        && (code == Status.Code.OUT_OF_RANGE || code == Status.Code.NOT_FOUND
            || code == Status.Code.INVALID_ARGUMENT);
  }
}
