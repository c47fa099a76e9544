package io.strata.storage;

import io.strata.api.version.Version;
import java.nio.charset.StandardCharsets;

/** Keys of the {@link ColumnFamily#META} family, with the version that introduced each. */
public enum MetaKey {
  /** Raft index of the last entry whose effects are in this database (8 bytes, big-endian). */
  CONSISTENT_INDEX("consistent_index", "1.0"),
  /** Raft term of that entry. */
  TERM("term", "1.0"),
  /** Highest main revision written. */
  CURRENT_REVISION("current_revision", "1.0"),
  /** Compaction revision accepted through Raft; reads below it are refused. */
  SCHEDULED_COMPACT_REVISION("scheduled_compact_revision", "1.0"),
  /** Compaction revision up to which superseded versions have been physically removed. */
  FINISHED_COMPACT_REVISION("finished_compact_revision", "1.0"),
  /** 1 when authentication is enabled. */
  AUTH_ENABLED("auth_enabled", "1.0"),
  /** Revision of the auth store: bumped by every change to users, roles or the enabled flag. */
  AUTH_REVISION("auth_revision", "1.0"),
  /** The schema version of this database, "MAJOR.MINOR" in UTF-8 ({@link StorageVersion}). */
  STORAGE_VERSION("storage_version", "1.0"),
  /** The cluster version decided by the leader through Raft, "MAJOR.MINOR" in UTF-8. */
  CLUSTER_VERSION("cluster_version", "1.0"),
  /** The downgrade state, a {@code strata.records.DowngradeRecord} ({@link DowngradeRecords}). */
  DOWNGRADE("downgrade", "1.0");

  /** The revision of an empty store; the first write gets the next one (etcd's numbering). */
  public static final long INITIAL_REVISION = 1;

  private final byte[] bytes;
  private final Version since;

  MetaKey(String name, String since) {
    this.bytes = name.getBytes(StandardCharsets.UTF_8);
    this.since = Version.parse(since);
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public Version since() {
    return since;
  }
}
