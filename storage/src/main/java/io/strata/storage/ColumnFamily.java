package io.strata.storage;

import io.strata.api.version.Version;
import java.nio.charset.StandardCharsets;

/**
 * The column families of the state database, each with the Strata version that introduced it.
 * This is the storage schema's list of families; {@link StorageSchema} derives migrations from it.
 * Every family exists in every database this build opens; a family newer than the storage version
 * is empty.
 */
public enum ColumnFamily {
  /** Small records: consistent index, term, current revision, compaction revisions. */
  META("meta", "1.0"),
  /** Every version of every user key, key-ordered, newest first ({@link KeyCodec}). */
  KV("kv", "1.0"),
  /** Revision-ordered log of changes: {@link Revision} bytes to the changed user key. */
  REVISIONS("revisions", "1.0"),
  /** Cluster members by member id. */
  MEMBERS("members", "1.0"),
  /** Leases by lease id. */
  LEASES("leases", "1.0"),
  /** Auth users and roles. */
  AUTH("auth", "1.0"),
  /** Raised alarms by member id and alarm type. */
  ALARMS("alarms", "1.0"),
  /**
   * Lease id and user key of every key attached to a lease (derived from {@link #KV}): revoke
   * finds a lease's keys without a scan. Dropped on downgrade, rebuilt from the kv data on upgrade.
   */
  LEASE_KEYS("lease_keys", "1.2"),
  /** Results of idempotent writes by client request id, so a retried write applies once. */
  REQUEST_RESULTS("request_results", "1.2");

  private final String rocksName;
  private final Version since;

  ColumnFamily(String rocksName, String since) {
    this.rocksName = rocksName;
    this.since = Version.parse(since);
  }

  public byte[] rocksName() {
    return rocksName.getBytes(StandardCharsets.UTF_8);
  }

  public Version since() {
    return since;
  }
}
