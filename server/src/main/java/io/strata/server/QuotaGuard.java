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
  /** The database size is read from RocksDB at most this often: every write asks for it. */
  private static final long SIZE_REFRESH_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);
  private volatile long sizeBytes;
  private volatile long sizeReadAtNanos = System.nanoTime() - SIZE_REFRESH_NANOS;

  QuotaGuard(Backend backend, long quotaBytes, long memberId, Proposer proposer) {
    this.backend = backend;
    this.quotaBytes = quotaBytes;
    this.memberId = memberId;
    this.proposer = proposer;
  }

  /** The database size, read again when the last reading is older than {@link #SIZE_REFRESH_NANOS}. */
  private long currentSize() {
    long now = System.nanoTime();
    if (now - sizeReadAtNanos >= SIZE_REFRESH_NANOS) {
      sizeBytes = backend.sizeBytes();
      sizeReadAtNanos = now;
    }
    return sizeBytes;
  }

  /**
   * Completes with null when a write may go ahead. Over the quota, it first raises the NOSPACE
   * alarm through Raft and then completes with etcd's NO_SPACE error, so that the alarm is visible
   * when the client learns of the refusal (as etcd does).
   */
  public CompletableFuture<StatusRuntimeException> checkWrite() {
    if (quotaBytes <= 0 || currentSize() <= quotaBytes) {
      return CompletableFuture.completedFuture(null);
    }
    return proposer.proposeInternal(Entry.newBuilder().setAlarm(AlarmRequest.newBuilder()
            .setAction(AlarmRequest.AlarmAction.ACTIVATE)
            .setMemberID(memberId)
            .setAlarm(AlarmType.NOSPACE)))
        .handle((result, failure) -> EtcdErrors.NO_SPACE);
  }
}
