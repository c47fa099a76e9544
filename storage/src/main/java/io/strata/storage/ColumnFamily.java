package io.strata.storage;

import java.nio.charset.StandardCharsets;

/**
 * The column families of the state database, each with the Strata version that introduced it.
 * This is the storage schema's list of families; migrations (added with the version machinery)
 * derive from it.
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
  ALARMS("alarms", "1.0");

  private final String rocksName;
  private final String since;

  ColumnFamily(String rocksName, String since) {
    this.rocksName = rocksName;
    this.since = since;
  }

  public byte[] rocksName() {
    return rocksName.getBytes(StandardCharsets.UTF_8);
  }

  public String since() {
    return since;
  }
}
