package io.strata.robustness.checker;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An immutable image of the store at one revision, linked to the image of the revision before it
 * (so a read at a past revision walks back). Two images are equal when their revision, compaction
 * revision, keys, and the fingerprint of everything before them are: layer 2 caches on this.
 *
 * <p>Threading: immutable, freely shared.
 */
public final class KvState {

  private final long revision;
  private final long compactRevision;
  private final NavigableMap<String, KeyValue> kvs;
  private final KvState previous;
  private final long fingerprint;

  private KvState(
      long revision,
      long compactRevision,
      NavigableMap<String, KeyValue> kvs,
      KvState previous,
      long fingerprint) {
    this.revision = revision;
    this.compactRevision = compactRevision;
    this.kvs = Collections.unmodifiableNavigableMap(kvs);
    this.previous = previous;
    this.fingerprint = fingerprint;
  }

  /** The empty store at {@code revision}. */
  public static KvState empty(long revision) {
    return new KvState(revision, 0, new TreeMap<>(), null, mix(revision));
  }

  /** The image after a write that created {@code revision() + 1}. */
  KvState next(NavigableMap<String, KeyValue> newKvs) {
    long h = fingerprint ^ mix(revision + 1);
    for (KeyValue kv : newKvs.values()) {
      h = h * 1_000_003L + kvHash(kv);
    }
    return new KvState(revision + 1, compactRevision, new TreeMap<>(newKvs), this, mix(h));
  }

  KvState compacted(long rev) {
    return new KvState(revision, Math.max(rev, compactRevision), kvs, previous, fingerprint);
  }

  public long revision() {
    return revision;
  }

  public long compactRevision() {
    return compactRevision;
  }

  public NavigableMap<String, KeyValue> kvs() {
    return kvs;
  }

  /** The image at an earlier (or this) revision, or null if it is before the first image. */
  public KvState at(long rev) {
    KvState s = this;
    while (s != null && s.revision > rev) {
      s = s.previous;
    }
    return s;
  }

  private static long kvHash(KeyValue kv) {
    return mix(kv.key().hashCode() * 31L + kv.value().hashCode())
        ^ mix(kv.createRevision() * 7 + kv.modRevision() * 131 + kv.version() * 8191 + kv.lease());
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KvState s
        && s.revision == revision
        && s.compactRevision == compactRevision
        && s.fingerprint == fingerprint
        && s.kvs.equals(kvs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(revision, compactRevision, fingerprint);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("rev ").append(revision).append(" {");
    for (Map.Entry<String, KeyValue> e : kvs.entrySet()) {
      b.append(' ').append(e.getValue());
    }
    return b.append(" }").toString();
  }
}
