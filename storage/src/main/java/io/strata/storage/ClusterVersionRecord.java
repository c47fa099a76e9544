package io.strata.storage;

import io.strata.api.version.Version;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The cluster version the leader decided through Raft, kept in the meta family. Written by apply only. */
public final class ClusterVersionRecord {
  private ClusterVersionRecord() {}

  public static Optional<Version> of(ReadView view) {
    return StorageVersion.parse(view.getRaw(ColumnFamily.META, MetaKey.CLUSTER_VERSION.bytes()));
  }

  public static Optional<Version> of(StoreBatch batch) {
    return StorageVersion.parse(batch.getRaw(ColumnFamily.META, MetaKey.CLUSTER_VERSION.bytes()));
  }

  public static void write(StoreBatch batch, Version version) {
    batch.put(ColumnFamily.META, MetaKey.CLUSTER_VERSION.bytes(), version.toString().getBytes(StandardCharsets.UTF_8));
  }
}
