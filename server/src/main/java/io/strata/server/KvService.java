package io.strata.server;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.CompactionResponse;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.server.auth.AuthInfo;
import io.strata.storage.ReadView;
import io.strata.storage.RevisionUnavailableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * etcd's KV service. Writes go through Raft ({@link Proposer}); linearizable reads first confirm
 * with a quorum that this member is up to date (read-index), serializable reads are served from
 * the local store at once. Reads never take a lock shared with writes: each reads a RocksDB
 * snapshot.
 *
 * <p>Threading: gRPC threads; read-index completions hop to {@code readExecutor} so jraft's
 * threads never touch RocksDB.
 */
final class KvService extends KVGrpc.KVImplBase {
  private final MemberContext member;
  private final Proposer proposer;
  private final LinearizableReads reads;
  private final Executor readExecutor;
  private final int maxTxnOps;
  private final PhysicalCompactor compactor;
  private final QuotaGuard quota;
  private final ApiAuth auth;

  KvService(MemberContext member, Proposer proposer, LinearizableReads reads, Executor readExecutor,
      int maxTxnOps, PhysicalCompactor compactor, QuotaGuard quota, ApiAuth auth) {
    this.quota = quota;
    this.auth = auth;
    this.member = member;
    this.proposer = proposer;
    this.reads = reads;
    this.readExecutor = readExecutor;
    this.maxTxnOps = maxTxnOps;
    this.compactor = compactor;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
    StatusRuntimeException invalid = RequestChecks.checkRange(request);
    if (invalid != null) {
      observer.onError(invalid);
      return;
    }
    if (request.getSerializable()) {
      respondWithRange(request, auth.range(AuthInfo.current(), request), observer);
      return;
    }
    // The permission check waits for the barrier too: once it passes, this member has applied
    // every auth change committed before the request (e.g. auth disabled through another member).
    AuthInfo caller = AuthInfo.current();
    reads.await().whenCompleteAsync((ready, failure) -> {
      if (failure != null) {
        observer.onError(LinearizableReads.asStatus(failure));
      } else {
        respondWithRange(request, auth.range(caller, request), observer);
      }
    }, readExecutor);
  }

  private void respondWithRange(RangeRequest request, StatusRuntimeException denied,
      StreamObserver<RangeResponse> observer) {
    if (denied != null) {
      observer.onError(denied);
      return;
    }
    RangeResponse response;
    try (ReadView view = member.backend().readView()) {
      response = RangeEvaluator.evaluate(request, view::range, view.currentRevision());
    } catch (RevisionUnavailableException e) {
      observer.onError(KvApplier.revisionError(e));
      return;
    }
    observer.onNext(response.toBuilder().setHeader(member.fill(response.getHeader())).build());
    observer.onCompleted();
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> observer) {
    StatusRuntimeException invalid = RequestChecks.checkPut(request);
    if (invalid != null) {
      observer.onError(invalid);
      return;
    }
    replicateWithinQuota(Entry.newBuilder().setPut(request), observer,
        result -> result.getPut().toBuilder().setHeader(member.fill(result.getPut().getHeader())).build());
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
    StatusRuntimeException invalid = RequestChecks.checkDelete(request);
    if (invalid != null) {
      observer.onError(invalid);
      return;
    }
    replicate(Entry.newBuilder().setDeleteRange(request), observer,
        result -> result.getDeleteRange().toBuilder()
            .setHeader(member.fill(result.getDeleteRange().getHeader())).build());
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
    StatusRuntimeException invalid = RequestChecks.checkTxn(request, maxTxnOps);
    if (invalid != null) {
      observer.onError(invalid);
      return;
    }
    Entry.Builder entry = Entry.newBuilder().setTxn(request);
    if (!RequestChecks.writesData(request)) {
      replicate(entry, observer,
          result -> result.getTxn().toBuilder().setHeader(member.fill(result.getTxn().getHeader())).build());
      return;
    }
    replicateWithinQuota(entry, observer,
        result -> result.getTxn().toBuilder().setHeader(member.fill(result.getTxn().getHeader())).build());
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
    proposer.propose(Entry.newBuilder().setCompaction(request)).whenComplete((result, failure) -> {
      if (failure != null || result.hasError()) {
        observer.onError(failure != null ? EtcdErrors.TIMEOUT : EtcdErrors.fromRpcError(result.getError()));
        return;
      }
      CompletableFuture<Void> done = request.getPhysical()
          ? compactor.awaitCompacted(request.getRevision()) : CompletableFuture.completedFuture(null);
      done.whenComplete((ignored, compactFailure) -> {
        if (compactFailure != null) {
          observer.onError(EtcdErrors.STOPPED);
          return;
        }
        observer.onNext(result.getCompaction().toBuilder()
            .setHeader(member.fill(result.getCompaction().getHeader())).build());
        observer.onCompleted();
      });
    });
  }

  /** Replicates a write that adds data, unless the backend quota is exceeded. */
  private <T> void replicateWithinQuota(Entry.Builder command, StreamObserver<T> observer,
      Function<ApplyResult, T> response) {
    quota.checkWrite().thenAccept(refused -> {
      if (refused != null) {
        observer.onError(refused);
      } else {
        replicate(command, observer, response);
      }
    });
  }

  private <T> void replicate(Entry.Builder command, StreamObserver<T> observer, Function<ApplyResult, T> response) {
    StatusRuntimeException denied = auth.entry(command);
    if (denied != null) {
      observer.onError(denied);
      return;
    }
    Replies.whenApplied(proposer.propose(command), observer, response);
  }
}
