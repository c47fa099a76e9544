package io.strata.server;

import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.version.Version;
import io.strata.storage.Backend;
import io.strata.storage.ClusterVersionRecord;
import io.strata.storage.Migration;
import io.strata.storage.ReadView;
import io.strata.storage.RequestResults;
import io.strata.storage.StorageVersion;
import io.strata.storage.StoreBatch;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster version as this member applied it, and what applying a new one does:
 * <ol>
 *   <li>the version is recorded in the store;</li>
 *   <li>a version above this member's own means the member cannot take part: it stops (etcd's
 *       "server version is lower than determined cluster version");</li>
 *   <li>the storage version follows a rising cluster version in the same batch.</li>
 * </ol>
 *
 * <p>Threading: apply thread for {@link #apply} and the listener; {@link #current()} from any thread.
 */
public final class ClusterVersions implements CommandApplier, CommitListener {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterVersions.class);

  private final Version own;
  private final Runnable onTooOld;
  private final Backend backend;
  private volatile Optional<Version> current;
  private boolean tooOld;

  ClusterVersions(Backend backend, Version own, Runnable onTooOld) {
    this.backend = backend;
    this.own = own;
    this.onTooOld = onTooOld;
    reload();
  }

  private void reload() {
    try (ReadView view = backend.readView()) {
      current = ClusterVersionRecord.of(view);
    }
  }

  public Optional<Version> current() {
    return current;
  }

  /**
   * What the cluster version allows: every feature gate asks this. Before the first decision the
   * cluster is treated as the oldest version, so nothing newer is used until every member is known
   * to support it. On the apply thread this is the version as of the entry being applied, the
   * same on every member.
   */
  public StrataVersion capabilities() {
    return current.map(StrataVersion::of).orElse(StrataVersion.V1_0);
  }

  @Override
  public ApplyResult apply(Entry entry, long index, StoreBatch batch) {
    Version decided = Version.parse(entry.getClusterVersionSet().getVersion());
    ClusterVersionRecord.write(batch, decided);
    Optional<Version> storage = StorageVersion.of(batch);
    if (storage.isPresent() && decided.isNewerThan(storage.get()) && !decided.isNewerThan(own)) {
      Migration.runIn(batch, storage.get(), decided, step -> LOG.info("storage version follows the cluster: {}", step));
    }
    if (!decided.equals(current.orElse(null))) {
      LOG.info("cluster version is now {}", decided);
    }
    // Idempotent writes: a cluster version without them forgets every request id, on every member.
    if (capabilities().supportsIdempotentWrites() && StrataVersion.V1_2.version().isNewerThan(decided)) {
      RequestResults.clear(batch);
    }
    current = Optional.of(decided);
    tooOld |= decided.isNewerThan(own);
    return ApplyResult.getDefaultInstance();
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) {
    if (tooOld) {
      tooOld = false;
      LOG.error("server version {} is lower than the cluster version {}; stopping", own, current.orElse(null));
      onTooOld.run();
    }
  }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    reload();
  }
}
