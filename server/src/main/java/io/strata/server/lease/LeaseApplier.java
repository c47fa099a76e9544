package io.strata.server.lease;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.LeaseCheckpoint;
import io.strata.api.etcdserverpb.LeaseCheckpointRequest;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseRevokeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.records.LeaseRecord;
import io.strata.server.CommandApplier;
import io.strata.server.CommitListener;
import io.strata.server.EtcdErrors;
import io.strata.storage.Backend;
import io.strata.storage.KvWriteTxn;
import io.strata.storage.LeaseKeysIndex;
import io.strata.storage.LeaseRecords;
import io.strata.storage.StoreBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * The lease part of the apply core: what {@code lease_grant}, {@code lease_revoke} and
 * {@code lease_checkpoint} entries do
 * to the store and to the {@link Lessor}'s table. Deterministic: the entry carries everything
 * (the id was picked and the minimum TTL applied by the member that proposed it), and the outcome
 * depends only on the store.
 *
 * <p>etcd's rules, in etcd's order:
 * <ol>
 *   <li>grant: ID 0 is "requested lease not found"; a TTL above {@link LeaseLimits#MAX_TTL_SECONDS}
 *       is "too large lease TTL"; an id already in use is "lease already exists"; otherwise the
 *       record is written and the response carries the id, the TTL and the current revision;</li>
 *   <li>revoke: an unknown id is "requested lease not found"; otherwise every key attached to the
 *       lease is deleted in ONE revision (in key order, each a DELETE event with its previous
 *       version, as etcd's lessor does in one txn), then the record is removed; the response
 *       carries the revision after the deletes. The keys come from the store's lease→keys index
 *       when the storage version maintains it (1.2), else from the lessor's table;</li>
 *   <li>checkpoint (1.1): each lease named that still exists gets its {@code remaining_ttl} set
 *       (0 clears it) in its record and in the lessor's table; unknown leases are skipped, and so
 *       is everything when the storage version is older than the field (an entry is applied
 *       whatever the cluster version now is: it was allowed when proposed). The result is empty,
 *       like etcd's.</li>
 * </ol>
 *
 * <p>Threading: apply thread only.
 */
public final class LeaseApplier implements CommandApplier, CommitListener {
  private final Lessor lessor;
  private final Backend backend;
  /** Leases removed in the batch being applied; they are gone for waiters once it is durable. */
  private final List<Lessor.Lease> removedInBatch = new ArrayList<>();

  public LeaseApplier(Lessor lessor, Backend backend) {
    this.lessor = lessor;
    this.backend = backend;
  }

  @Override
  public ApplyResult apply(Entry entry, long index, StoreBatch batch) {
    return switch (entry.getCommandCase()) {
      case LEASE_GRANT -> grant(batch, entry.getLeaseGrant());
      case LEASE_REVOKE -> revoke(batch, entry.getLeaseRevoke().getID());
      case LEASE_CHECKPOINT -> checkpoint(batch, entry.getLeaseCheckpoint());
      default -> throw new IllegalArgumentException("not a lease command: " + entry.getCommandCase());
    };
  }

  private ApplyResult grant(StoreBatch batch, LeaseGrantRequest request) {
    long id = request.getID();
    if (id == 0) {
      return EtcdErrors.result(LeaseErrors.NOT_FOUND);
    }
    if (request.getTTL() > LeaseLimits.MAX_TTL_SECONDS) {
      return EtcdErrors.result(LeaseErrors.TTL_TOO_LARGE);
    }
    if (LeaseRecords.get(batch, id) != null) {
      return EtcdErrors.result(LeaseErrors.EXISTS);
    }
    LeaseRecords.put(batch, LeaseRecord.newBuilder().setId(id).setTtl(request.getTTL()).build());
    lessor.granted(id, request.getTTL());
    return ApplyResult.newBuilder().setLeaseGrant(LeaseGrantResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(batch.currentRevision()))
        .setID(id)
        .setTTL(request.getTTL())).build();
  }

  private ApplyResult revoke(StoreBatch batch, long id) {
    if (LeaseRecords.get(batch, id) == null) {
      return EtcdErrors.result(LeaseErrors.NOT_FOUND);
    }
    List<ByteString> keys = LeaseKeysIndex.maintainedIn(batch) ? LeaseKeysIndex.keysOf(batch, id) : lessor.keysOf(id);
    KvWriteTxn txn = batch.beginKvTxn();
    for (ByteString key : keys) {
      byte[] userKey = key.toByteArray();
      KeyValue live = txn.get(userKey);
      // The table mirrors the store; the check keeps a stale entry from deleting someone else's key.
      if (live != null && live.getLease() == id) {
        txn.deleteRange(userKey, new byte[0]);
      }
    }
    txn.end();
    LeaseRecords.delete(batch, id);
    Lessor.Lease removed = lessor.removed(id);
    if (removed != null) {
      removedInBatch.add(removed);
    }
    return ApplyResult.newBuilder().setLeaseRevoke(LeaseRevokeResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(batch.currentRevision()))).build();
  }

  private ApplyResult checkpoint(StoreBatch batch, LeaseCheckpointRequest request) {
    for (LeaseCheckpoint checkpoint : request.getCheckpointsList()) {
      long remaining = Math.max(0, checkpoint.getRemainingTTL());
      if (LeaseRecords.putRemainingTtl(batch, checkpoint.getID(), remaining)) {
        lessor.checkpointed(checkpoint.getID(), remaining);
      }
    }
    return ApplyResult.getDefaultInstance();
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    if (!removedInBatch.isEmpty()) {
      removedInBatch.forEach(lease -> lease.gone.complete(null));
      removedInBatch.clear();
    }
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    removedInBatch.forEach(lease -> lease.gone.complete(null));
    removedInBatch.clear();
    lessor.reload(backend);
  }
}
