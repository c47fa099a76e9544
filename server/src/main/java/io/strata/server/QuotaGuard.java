package io.strata.server;

import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.AlarmRequest;
import io.strata.api.etcdserverpb.AlarmType;
import io.strata.api.raftpb.Entry;
import io.strata.storage.Backend;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's backend quota: a request that would add data while the database is over
 * {@code --quota-backend-bytes} is refused with "database space exceeded", and a NOSPACE alarm is
 * raised for this member through Raft (which then refuses such writes cluster-wide until an
 * operator frees space and disarms the alarm).
 *
 * <p>Threading: thread-safe.
 */
public final class QuotaGuard {
  private final Backend backend;
  private final long quotaBytes;
  private final long memberId;
  private final Proposer proposer;

  QuotaGuard(Backend backend, long quotaBytes, long memberId, Proposer proposer) {
    this.backend = backend;
    this.quotaBytes = quotaBytes;
    this.memberId = memberId;
    this.proposer = proposer;
  }

  /**
   * Completes with null when a write may go ahead. Over the quota, it first raises the NOSPACE
   * alarm through Raft and then completes with etcd's NO_SPACE error, so that the alarm is visible
   * when the client learns of the refusal (as etcd does).
   */
  public CompletableFuture<StatusRuntimeException> checkWrite() {
    if (quotaBytes <= 0 || backend.sizeBytes() <= quotaBytes) {
      return CompletableFuture.completedFuture(null);
    }
    return proposer.proposeInternal(Entry.newBuilder().setAlarm(AlarmRequest.newBuilder()
            .setAction(AlarmRequest.AlarmAction.ACTIVATE)
            .setMemberID(memberId)
            .setAlarm(AlarmType.NOSPACE)))
        .handle((result, failure) -> EtcdErrors.NO_SPACE);
  }
}
