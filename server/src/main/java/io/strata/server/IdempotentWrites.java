package io.strata.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.EntryOrBuilder;
import io.strata.api.records.RequestResultRecord;
import io.strata.raft.ApplyCore;
import io.strata.raft.LogTail;
import io.strata.storage.RequestResults;
import io.strata.storage.StorageCorruptedException;
import io.strata.storage.StoreBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Idempotent writes (Strata 1.2): the apply core around the {@link ApplyDispatcher} that applies a
 * write carrying a client request id ({@code EntryHeader.request_id}) at most once. Rules, in the
 * order apply follows them:
 * <ol>
 *   <li>a retry ({@code EntryHeader.retry}, see {@link RequestIds}) is refused with
 *       {@link #RETRY_NOT_DEDUPLICATED} and not applied unless the next rules deduplicate it (it
 *       carries a request id, is covered, and the cluster version has idempotent writes);</li>
 *   <li>only while the cluster version has idempotent writes (as of the entry being applied, the
 *       same on every member); otherwise the request id is ignored and nothing is recorded;</li>
 *   <li>only for the commands {@link #covers} (put, delete range, a txn that can write, lease
 *       grant and revoke); any other entry is applied as it is;</li>
 *   <li>a request id with a record applied within the last {@link #window} Raft indexes is not
 *       applied again: the result recorded the first time is the answer (same revision, prev_kv,
 *       succeeded and responses); if a different user sent it, the answer is
 *       {@link #USED_BY_ANOTHER_USER} and nothing is applied;</li>
 *   <li>otherwise the entry is applied; a result that is not an error is recorded (an error left
 *       the store untouched, so a retry may apply), and records older than the window are
 *       pruned.</li>
 * </ol>
 * The window is a constant of the apply core, not a member flag: members with different windows
 * would disagree on which request ids are known and apply the same entry differently.
 *
 * <p>A retry answered from the record is checked neither against the auth state nor the NOSPACE
 * alarm: it changes nothing.
 *
 * <p>Threading: apply thread only (see {@link ApplyCore}).
 */
final class IdempotentWrites implements ApplyCore {
  /** Raft indexes during which a request id is remembered after its write was applied. */
  static final long WINDOW = 100_000;

  static final StatusRuntimeException USED_BY_ANOTHER_USER = EtcdErrors.error(Status.Code.INVALID_ARGUMENT,
      "strata: request id was already used by another user");

  static final StatusRuntimeException RETRY_NOT_DEDUPLICATED = EtcdErrors.error(Status.Code.FAILED_PRECONDITION,
      "strata: retried write refused: the cluster does not deduplicate it by request id (cluster version below 1.2,"
          + " or no strata-request-id), so it could apply twice; its first attempt may or may not have been applied");

  private final ApplyCore delegate;
  private final Supplier<StrataVersion> capabilities;
  private final long window;
  /** No record below this index exists (a hint that keeps pruning from rescanning deleted keys). */
  private long prunedBelow;

  IdempotentWrites(ApplyCore delegate, Supplier<StrataVersion> capabilities, long window) {
    if (window < 1) {
      throw new IllegalArgumentException("the dedup window must be at least 1 index: " + window);
    }
    this.delegate = delegate;
    this.capabilities = capabilities;
    this.window = window;
  }

  /**
   * Whether a request id on {@code entry} makes it idempotent: a write a client may retry. A txn
   * only counts when one of its branches can write (a read-only txn is safe to repeat).
   */
  static boolean covers(EntryOrBuilder entry) {
    return switch (entry.getCommandCase()) {
      case PUT, DELETE_RANGE, LEASE_GRANT, LEASE_REVOKE -> true;
      case TXN -> writes(entry.getTxn());
      default -> false;
    };
  }

  private static boolean writes(TxnRequest txn) {
    for (List<RequestOp> branch : List.of(txn.getSuccessList(), txn.getFailureList())) {
      for (RequestOp op : branch) {
        if (op.hasRequestPut() || op.hasRequestDeleteRange() || (op.hasRequestTxn() && writes(op.getRequestTxn()))) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public ApplyResult apply(Entry entry, long index, long term, StoreBatch batch) {
    long requestId = entry.getHeader().getRequestId();
    if (requestId == 0 || !capabilities.get().supportsIdempotentWrites() || !covers(entry)) {
      return entry.getHeader().getRetry() ? EtcdErrors.result(RETRY_NOT_DEDUPLICATED) : delegate.apply(entry, index, term, batch);
    }
    String user = entry.getHeader().getUsername();
    RequestResultRecord earlier = RequestResults.get(batch, requestId);
    if (earlier != null && index - earlier.getIndex() <= window) {
      return earlier.getUsername().equals(user) ? decode(earlier) : EtcdErrors.result(USED_BY_ANOTHER_USER);
    }
    ApplyResult result = delegate.apply(entry, index, term, batch);
    if (!result.hasError()) {
      RequestResults.put(batch, requestId, RequestResultRecord.newBuilder()
          .setIndex(index)
          .setUsername(user)
          .setResult(result.toByteString())
          .build());
    }
    long cutoff = index - window;
    if (cutoff > prunedBelow) {
      RequestResults.pruneBefore(batch, prunedBelow, cutoff);
      prunedBelow = cutoff;
    }
    return result;
  }

  private static ApplyResult decode(RequestResultRecord record) {
    try {
      return ApplyResult.parseFrom(record.getResult());
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable result in the request result record", e);
    }
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    delegate.committed(events, revision, appliedIndex);
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    delegate.snapshotInstalled(appliedIndex);
  }

  @Override
  public boolean snapshotWanted() {
    return delegate.snapshotWanted();
  }

  @Override
  public void beforeSnapshot(long appliedIndex, LogTail logTail) {
    delegate.beforeSnapshot(appliedIndex, logTail);
  }

  @Override
  public String refuseSnapshot(Path snapshotDb) {
    return delegate.refuseSnapshot(snapshotDb);
  }
}
