package io.strata.server.lease;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.LeaseCheckpoint;
import io.strata.api.etcdserverpb.LeaseCheckpointRequest;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.peerpb.LeaseRenewResponse;
import io.strata.api.peerpb.LeaseTimeToLivePeerResponse;
import io.strata.api.records.LeaseRecord;
import io.strata.server.LeaseKeys;
import io.strata.storage.Backend;
import io.strata.storage.LeaseRecords;
import io.strata.storage.ReadView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory side of leases: every lease of the store with its granted TTL and attached keys,
 * and, while this member leads, each lease's deadline on the leader's monotonic clock.
 *
 * <p>Who changes what:
 * <ol>
 *   <li>the table (grant, revoke, attach, detach, rebuild) is changed by the apply thread only, in
 *       step with the store: a lease is here exactly when its record is in the store, and a key is
 *       attached exactly when its live version carries the lease;</li>
 *   <li>{@link #promote()} and {@link #demote()} run on the apply thread when Raft leadership
 *       changes. Promotion restarts every deadline at now + the lease's restart TTL + the promotion
 *       extension (etcd extends by one election timeout), whatever the old leader's clock said. The
 *       restart TTL is the full TTL, or, when the cluster version allows lease checkpoints, the
 *       remaining TTL of the lease's last applied checkpoint (etcd's lease checkpointing): a
 *       lease does not get a fresh TTL at every leader change;</li>
 *   <li>checkpoints ({@link #checkpointed}) are applied on the apply thread like the table. The
 *       leader takes them ({@link #checkpointsDue}) and, before renewing a lease that carries one,
 *       clears it through Raft (etcd's {@code Renew}), so a new leader never restarts a renewed
 *       lease from an older, lower remaining TTL;</li>
 *   <li>{@link #renew}, {@link #timeToLive} and {@link #expiredForRevoke} run on any thread and only
 *       answer while this member is the primary (the leader's lessor): deadlines exist only there.
 *       Followers never expire anything.</li>
 * </ol>
 * Deadlines are nanoseconds of {@link Ticker} time since this lessor was created, so they are
 * small positive numbers and a TTL as large as etcd allows (about 285 years) still fits.
 *
 * <p>Threading: thread-safe; nothing blocks. Renewing a lease that has already expired completes
 * only once the lease is revoked (answered "not found") or this member stops leading (answered
 * "not leader", and the caller asks the new leader), as etcd's {@code Renew} waits.
 */
public final class Lessor implements LeaseKeys {
  private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);
  private static final Comparator<ByteString> KEY_ORDER = ByteString.unsignedLexicographicalComparator();

  /** One lease. The table fields are final or apply-thread owned; deadlines are volatile. */
  static final class Lease {
    final long id;
    final long ttlSeconds;
    final NavigableSet<ByteString> keys = new ConcurrentSkipListSet<>(KEY_ORDER);
    /** Completed once the lease's removal is durable in the store. */
    final CompletableFuture<Void> gone = new CompletableFuture<>();
    /** When the lease expires, in lessor nanos; meaningful only while primary. */
    volatile long deadline;
    /** Before this time (lessor nanos) the expirer does not propose this lease's revoke again. */
    volatile long revokeNotBefore;
    /** Seconds left at the last applied checkpoint, 0 when none: as in the lease record. Apply thread writes. */
    volatile long remainingTtl;

    Lease(long id, long ttlSeconds) {
      this.id = id;
      this.ttlSeconds = ttlSeconds;
    }
  }

  private final Ticker ticker;
  private final long origin;
  private final long promotionExtensionNanos;
  private final long revokeRetryNanos;
  private final ConcurrentHashMap<Long, Lease> leases = new ConcurrentHashMap<>();
  private volatile Checkpoints checkpoints = Checkpoints.NONE;
  private volatile boolean primary;
  /** Completed when this member stops being the primary; replaced at each promotion. */
  private volatile CompletableFuture<Void> demoted = CompletableFuture.completedFuture(null);

  /**
   * @param promotionExtension extra time every lease gets when this member becomes leader
   * @param revokeRetry        how long an expired lease waits before its revoke is proposed again
   *                           when the earlier proposal neither failed nor took effect
   */
  public Lessor(Ticker ticker, long promotionExtension, long revokeRetry, TimeUnit unit) {
    this.ticker = ticker;
    this.origin = ticker.nanos();
    this.promotionExtensionNanos = unit.toNanos(promotionExtension);
    this.revokeRetryNanos = unit.toNanos(revokeRetry);
  }

  /** How checkpoints are proposed, and whether the cluster version allows them (default: never). */
  void useCheckpoints(Checkpoints checkpoints) {
    this.checkpoints = checkpoints;
  }

  /** The TTL a lease (re)starts from on a new leader: its checkpointed remaining TTL if allowed and taken. */
  private long restartTtl(Lease lease) {
    long remaining = lease.remainingTtl;
    return remaining > 0 && checkpoints.allowed() ? remaining : lease.ttlSeconds;
  }

  private long now() {
    return ticker.nanos() - origin;
  }

  private static long deadlineAfter(long now, long ttlSeconds, long extraNanos) {
    long ttlNanos = ttlSeconds >= Long.MAX_VALUE / 1_000_000_000L
        ? Long.MAX_VALUE : TimeUnit.SECONDS.toNanos(Math.max(0, ttlSeconds));
    long deadline = now + ttlNanos;
    if (deadline < 0) {
      return Long.MAX_VALUE;
    }
    deadline += extraNanos;
    return deadline < 0 ? Long.MAX_VALUE : deadline;
  }

  // ---------------------------------------------------------------------------------------------
  // The table: apply thread only.

  /** A lease was granted (its record is in the batch being applied). */
  void granted(long id, long ttlSeconds) {
    Lease lease = new Lease(id, ttlSeconds);
    lease.deadline = deadlineAfter(now(), ttlSeconds, 0);
    leases.put(id, lease);
  }

  /** The lease with this id, or null. */
  Lease lookup(long id) {
    return leases.get(id);
  }

  /** The lease's attached keys, in key order (empty for an unknown lease). Any thread. */
  public List<ByteString> keysOf(long id) {
    Lease lease = leases.get(id);
    return lease == null ? List.of() : List.copyOf(lease.keys);
  }

  /**
   * A lease was revoked (its record is deleted in the batch being applied). Returns it, so the
   * caller can complete {@link Lease#gone} once the batch is durable; null if unknown.
   */
  Lease removed(long id) {
    return leases.remove(id);
  }

  @Override
  public boolean exists(long leaseId) {
    return leases.containsKey(leaseId);
  }

  @Override
  public void attach(long leaseId, ByteString key) {
    Lease lease = leases.get(leaseId);
    if (lease != null) {
      lease.keys.add(key);
    }
  }

  @Override
  public void detach(long leaseId, ByteString key) {
    Lease lease = leases.get(leaseId);
    if (lease != null) {
      lease.keys.remove(key);
    }
  }

  /**
   * A checkpoint was applied: {@code remainingTtl} seconds were left (0 clears it). Changes no
   * deadline; a later promotion starts from it.
   */
  void checkpointed(long id, long remainingTtl) {
    Lease lease = leases.get(id);
    if (lease != null) {
      lease.remainingTtl = remainingTtl;
    }
  }

  /** Rebuilds the table from the committed store (start-up, snapshot install). */
  void reload(Backend backend) {
    try (ReadView view = backend.readView()) {
      reload(view);
    }
  }

  void reload(ReadView view) {
    long now = now();
    Map<Long, Lease> fresh = new HashMap<>();
    Map<Long, NavigableSet<ByteString>> keys = new HashMap<>();
    for (LeaseRecord record : LeaseRecords.list(view)) {
      Lease existing = leases.get(record.getId());
      Lease lease = existing != null && existing.ttlSeconds == record.getTtl()
          ? existing : new Lease(record.getId(), record.getTtl());
      lease.remainingTtl = record.getRemainingTtl();
      if (lease != existing) {
        lease.deadline = deadlineAfter(now, restartTtl(lease), primary ? promotionExtensionNanos : 0);
      }
      fresh.put(lease.id, lease);
      keys.put(lease.id, new TreeSet<>(KEY_ORDER));
    }
    long[] orphans = {0};
    LeaseRecords.forEachAttachedKey(view, (leaseId, key) -> {
      NavigableSet<ByteString> attached = keys.get(leaseId);
      if (attached != null) {
        attached.add(key);
      } else {
        orphans[0]++;
      }
    });
    if (orphans[0] > 0) {
      LOG.warn("{} keys carry a lease that does not exist", orphans[0]);
    }
    for (Lease old : new ArrayList<>(leases.values())) {
      if (fresh.get(old.id) != old) {
        leases.remove(old.id, old);
        old.gone.complete(null);
      }
    }
    for (Lease lease : fresh.values()) {
      NavigableSet<ByteString> attached = keys.get(lease.id);
      lease.keys.retainAll(attached);
      lease.keys.addAll(attached);
      leases.put(lease.id, lease);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leadership: apply thread.

  /** This member now leads: every lease's clock restarts from its restart TTL. */
  void promote() {
    long now = now();
    for (Lease lease : leases.values()) {
      lease.deadline = deadlineAfter(now, restartTtl(lease), promotionExtensionNanos);
      lease.revokeNotBefore = 0;
    }
    demoted = new CompletableFuture<>();
    primary = true;
    LOG.info("leading: {} leases restart their TTL now (+{} ms)", leases.size(),
        TimeUnit.NANOSECONDS.toMillis(promotionExtensionNanos));
  }

  /** This member stopped leading: deadlines are forgotten until the next promotion. */
  void demote() {
    if (primary) {
      LOG.info("no longer leading: lease expiry stops on this member");
    }
    primary = false;
    demoted.complete(null);
  }

  public boolean isPrimary() {
    return primary;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries: any thread.

  /**
   * Renews a lease to now + TTL (etcd's {@code Renew}): answers its granted TTL, "not found", or
   * "not leader" when this member is not the primary.
   */
  CompletableFuture<LeaseRenewResponse> renew(long id) {
    CompletableFuture<Void> demotion = demoted;
    if (!primary) {
      return CompletableFuture.completedFuture(status(LeasePeerStatus.LEASE_NOT_LEADER));
    }
    Lease lease = leases.get(id);
    if (lease == null) {
      return CompletableFuture.completedFuture(status(LeasePeerStatus.LEASE_NOT_FOUND));
    }
    long now = now();
    if (now >= lease.deadline) {
      // Expired: its revoke is on its way through Raft. Answer once it is done or leadership moved
      // (async: the futures complete on the apply thread, which must not run the waiters' work).
      return CompletableFuture.anyOf(lease.gone, demotion).thenApplyAsync(ignored -> status(
          lease.gone.isDone() ? LeasePeerStatus.LEASE_NOT_FOUND : LeasePeerStatus.LEASE_NOT_LEADER));
    }
    Checkpoints cp = checkpoints;
    if (lease.remainingTtl > 0 && cp.allowed()) {
      // Clear the checkpoint first (etcd's Renew does the same), then renew: had the renewal come
      // first, a new leader could restart the lease from the older checkpoint and expire it before
      // the TTL this renewal promises. Only a lease carrying a checkpoint pays the round trip, so
      // a lease costs at most two checkpoint entries per checkpoint interval.
      LeaseCheckpointRequest clear = LeaseCheckpointRequest.newBuilder()
          .addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(0)).build();
      return cp.propose(clear).handle((applied, failure) -> failure)
          .thenComposeAsync(failure -> failure == null && lease.remainingTtl == 0
              ? renew(id) : CompletableFuture.completedFuture(status(LeasePeerStatus.LEASE_NOT_LEADER)));
    }
    lease.deadline = deadlineAfter(now, lease.ttlSeconds, 0);
    return CompletableFuture.completedFuture(LeaseRenewResponse.newBuilder()
        .setStatus(LeasePeerStatus.LEASE_OK).setTtl(lease.ttlSeconds).build());
  }

  private static LeaseRenewResponse status(LeasePeerStatus status) {
    return LeaseRenewResponse.newBuilder().setStatus(status).build();
  }

  /**
   * The remaining and granted TTL of a lease (etcd's {@code LeaseTimeToLive} on the leader). The
   * remaining TTL is rounded down to whole seconds, as etcd does, and never negative: a lease past
   * its deadline whose revoke is still on its way reports 0.
   */
  LeaseTimeToLivePeerResponse timeToLive(long id, boolean withKeys) {
    if (!primary) {
      return LeaseTimeToLivePeerResponse.newBuilder().setStatus(LeasePeerStatus.LEASE_NOT_LEADER).build();
    }
    Lease lease = leases.get(id);
    if (lease == null) {
      return LeaseTimeToLivePeerResponse.newBuilder().setStatus(LeasePeerStatus.LEASE_NOT_FOUND).build();
    }
    long remainingNanos = Math.max(0, lease.deadline - now());
    LeaseTimeToLivePeerResponse.Builder response = LeaseTimeToLivePeerResponse.newBuilder()
        .setStatus(LeasePeerStatus.LEASE_OK)
        .setRemainingTtl(TimeUnit.NANOSECONDS.toSeconds(remainingNanos))
        .setGrantedTtl(lease.ttlSeconds);
    if (withKeys) {
      response.addAllKeys(lease.keys);
    }
    return response.build();
  }

  /**
   * Every lease id this member knows (etcd's {@code LeaseLeases} answers from the local lessor):
   * on the leader soonest deadline first, elsewhere in id order.
   */
  public List<Long> ids() {
    List<Lease> all = new ArrayList<>(leases.values());
    Comparator<Lease> byId = Comparator.comparingLong(l -> l.id);
    all.sort(primary ? Comparator.<Lease>comparingLong(l -> l.deadline).thenComparing(byId) : byId);
    return all.stream().map(l -> l.id).toList();
  }

  /** Number of leases in the table. */
  public int size() {
    return leases.size();
  }

  /**
   * Up to {@code max} expired leases whose revoke should be proposed now, soonest deadline first.
   * Each one returned is not returned again before the revoke retry interval unless
   * {@link #revokeFailed} says the proposal failed. Empty unless this member is the primary.
   */
  List<Long> expiredForRevoke(int max) {
    if (!primary) {
      return List.of();
    }
    long now = now();
    List<Lease> due = new ArrayList<>();
    for (Lease lease : leases.values()) {
      if (now >= lease.deadline && now >= lease.revokeNotBefore) {
        due.add(lease);
      }
    }
    due.sort(Comparator.comparingLong(l -> l.deadline));
    List<Long> ids = new ArrayList<>();
    for (Lease lease : due.subList(0, Math.min(max, due.size()))) {
      lease.revokeNotBefore = now + revokeRetryNanos;
      ids.add(lease.id);
    }
    return ids;
  }

  /**
   * The checkpoints the leader should record now (etcd's {@code findDueScheduledCheckpoints}), in
   * id order: every lease whose TTL is above {@code minTtlSeconds} (etcd checkpoints only leases
   * longer than the checkpoint interval), which has not expired, whose remaining TTL rounded up to
   * whole seconds is below its TTL (a fresh lease needs none) and differs from its last checkpoint.
   * Empty unless this member is the primary.
   */
  List<LeaseCheckpoint> checkpointsDue(long minTtlSeconds) {
    if (!primary) {
      return List.of();
    }
    long now = now();
    List<LeaseCheckpoint> due = new ArrayList<>();
    for (Lease lease : leases.values()) {
      if (lease.ttlSeconds <= minTtlSeconds || now >= lease.deadline) {
        continue;
      }
      long remainingNanos = lease.deadline - now;
      long remaining = remainingNanos / 1_000_000_000L + (remainingNanos % 1_000_000_000L == 0 ? 0 : 1);
      if (remaining < lease.ttlSeconds && remaining != lease.remainingTtl) {
        due.add(LeaseCheckpoint.newBuilder().setID(lease.id).setRemainingTTL(remaining).build());
      }
    }
    due.sort(Comparator.comparingLong(LeaseCheckpoint::getID));
    return due;
  }

  /** The revoke proposed for {@code id} failed: it may be proposed again at the next check. */
  void revokeFailed(long id) {
    Lease lease = leases.get(id);
    if (lease != null) {
      lease.revokeNotBefore = 0;
    }
  }

  /** Wakes every waiter: this member is shutting down. */
  void close() {
    primary = false;
    demoted.complete(null);
  }
}
