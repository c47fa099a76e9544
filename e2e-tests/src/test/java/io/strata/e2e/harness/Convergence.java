package io.strata.e2e.harness;

import io.strata.api.etcdserverpb.HashKVRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Convergence after a fault (shared/RELIABILITY.md, criterion 5): once writes have stopped, every
 * member reaches the same revision and reports the same KV hash at it.
 */
public final class Convergence {
  private Convergence() {}

  /**
   * Waits until every member of {@code cluster} reports the same revision, then fails unless all
   * report the same KV hash at it; returns the revision.
   */
  public static long awaitSameRevisionAndHash(Cluster cluster, Duration timeout) {
    long revision = cluster.waitFor("every member at the same revision", timeout, () -> {
      List<Long> revisions = new ArrayList<>();
      for (Member m : cluster.members()) {
        revisions.add(cluster.grpc(m).status(Duration.ofSeconds(2)).getHeader().getRevision());
      }
      return revisions.stream().distinct().count() == 1 ? revisions.get(0) : null;
    });
    List<String> hashes = new ArrayList<>();
    for (Member m : cluster.members()) {
      int hash = cluster.grpc(m).maintenance(Duration.ofSeconds(10))
          .hashKV(HashKVRequest.newBuilder().setRevision(revision).build()).getHash();
      hashes.add(m.name() + "=" + Integer.toUnsignedString(hash, 16));
    }
    if (hashes.stream().map(h -> h.substring(h.indexOf('='))).distinct().count() != 1) {
      throw new AssertionError("KV hashes differ at revision " + revision + ": " + hashes);
    }
    return revision;
  }
}
