package io.strata.server;

import io.strata.api.version.Version;
import java.util.Arrays;

/**
 * The versions this binary can be, one line each saying what the version brought. A feature asks
 * for a capability ({@link #supportsLearners()}), never compares version numbers itself.
 */
public enum StrataVersion {
  V1_0(1, 0, "KV/MVCC, watch, lease, cluster (voting members), maintenance, auth, storage and cluster versions, downgrade RPCs"),
  V1_1(1, 1, "learner members and MemberPromote; lease checkpoints (remaining TTL survives a leader change)"),
  V1_2(1, 2, "idempotent writes by client request id; persisted lease->keys index");

  /** The newest version: what this build is unless told to emulate an older one. */
  public static final StrataVersion LATEST = V1_2;

  private final Version version;
  private final String brought;

  StrataVersion(int major, int minor, String brought) {
    this.version = new Version(major, minor);
    this.brought = brought;
  }

  public Version version() {
    return version;
  }

  public String brought() {
    return brought;
  }

  public boolean supportsLearners() {
    return atLeast(V1_1);
  }

  public boolean supportsLeaseCheckpoints() {
    return atLeast(V1_1);
  }

  public boolean supportsIdempotentWrites() {
    return atLeast(V1_2);
  }

  public boolean supportsLeaseKeysIndex() {
    return atLeast(V1_2);
  }

  private boolean atLeast(StrataVersion other) {
    return compareTo(other) >= 0;
  }

  /** The known version {@code text} ("X.Y") names. */
  public static StrataVersion of(String text) {
    return of(Version.parse(text));
  }

  /** The known version {@code wanted} is. */
  public static StrataVersion of(Version wanted) {
    String text = wanted.toString();
    return Arrays.stream(values()).filter(v -> v.version.equals(wanted)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("version " + text + " is not one this binary can be; known: "
            + Arrays.stream(values()).map(v -> v.version.toString()).toList()));
  }
}
