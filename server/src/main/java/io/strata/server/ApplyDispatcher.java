package io.strata.server;

import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.raft.ApplyCore;
import io.strata.raft.LogTail;
import io.strata.storage.StoreBatch;
import java.nio.file.Path;
import java.util.List;

/**
 * The server's apply core: routes each committed entry to the feature that owns its command,
 * after the auth gate and the NOSPACE check, and tells the commit listeners about each durable
 * batch.
 *
 * <p>Threading: apply thread only (see {@link ApplyCore}).
 */
final class ApplyDispatcher implements ApplyCore {
  /** The appliers of the features outside KV; each is given at construction. */
  record Features(CommandApplier leases, CommandApplier membership, CommandApplier auth,
      ClusterVersions clusterVersion) {}

  private final KvApplier kv;
  private final Alarms alarms;
  private final Features features;
  private final AuthGate authGate;
  private final List<CommitListener> listeners;

  ApplyDispatcher(KvApplier kv, Alarms alarms, Features features, AuthGate authGate,
      List<CommitListener> listeners) {
    this.kv = kv;
    this.alarms = alarms;
    this.features = features;
    this.authGate = authGate;
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public ApplyResult apply(Entry entry, long index, long term, StoreBatch batch) {
    ApplyResult denied = authGate.deny(entry, batch);
    if (denied != null) {
      return denied;
    }
    if (alarms.refusesForNoSpace(entry)) {
      return EtcdErrors.result(EtcdErrors.NO_SPACE);
    }
    return switch (entry.getCommandCase()) {
      case PUT -> kv.put(batch, entry.getPut());
      case DELETE_RANGE -> kv.delete(batch, entry.getDeleteRange());
      case TXN -> kv.txn(batch, entry.getTxn());
      case COMPACTION -> kv.compaction(batch, entry.getCompaction());
      case MEMBER_ATTRIBUTES, MEMBER_ADD, MEMBER_REMOVE, MEMBER_UPDATE, MEMBER_PROMOTE -> features.membership().apply(entry, index, batch);
      case LEASE_GRANT, LEASE_REVOKE, LEASE_CHECKPOINT -> features.leases().apply(entry, index, batch);
      case ALARM -> alarms.apply(entry, index, batch);
      case AUTH_ENABLE, AUTH_DISABLE, AUTHENTICATE, USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD,
          USER_GRANT_ROLE, USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION,
          ROLE_REVOKE_PERMISSION -> features.auth().apply(entry, index, batch);
      case CLUSTER_VERSION_SET, DOWNGRADE_INFO_SET -> features.clusterVersion().apply(entry, index, batch);
      case COMMAND_NOT_SET -> throw new IllegalStateException(
          "entry " + index + " carries a command this version does not know");
    };
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    for (CommitListener listener : listeners) {
      listener.committed(events, revision, appliedIndex);
    }
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    for (CommitListener listener : listeners) {
      listener.snapshotInstalled(appliedIndex);
    }
  }

  @Override
  public boolean snapshotWanted() {
    return features.clusterVersion() != null && features.clusterVersion().snapshotWanted();
  }

  @Override
  public void beforeSnapshot(long appliedIndex, LogTail logTail) {
    if (features.clusterVersion() != null) {
      features.clusterVersion().beforeSnapshot(appliedIndex, logTail);
    }
  }

  @Override
  public String refuseSnapshot(Path snapshotDb) {
    return features.clusterVersion() == null ? null : features.clusterVersion().refuseSnapshot(snapshotDb);
  }

  /** For features not built yet: refuses the command as etcd refuses what it cannot do. */
  static final CommandApplier NOT_CAPABLE = (entry, index, batch) -> KvApplier.error(EtcdErrors.NOT_CAPABLE);
}
