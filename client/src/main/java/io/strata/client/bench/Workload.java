package io.strata.client.bench;

import java.util.Locale;

/**
 * What each benchmark request does. Immutable; safe to share between threads.
 *
 * <p>Both workloads pick their key with a {@link KeyGenerator} from the same key space, so a
 * {@code put} run followed by a {@code range} run with the same key options reads the keys it wrote.
 */
public enum Workload {
  /** {@code KV.Put} of one key with a fixed random value of {@code --val-size} bytes. */
  PUT,
  /** {@code KV.Range} of one key (no range end), linearizable or serializable. */
  RANGE;

  /** The name used on the command line and in reports: {@code put}, {@code range}. */
  public String displayName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
