package io.strata.client;

/**
 * A watch was cancelled by its member and will not resume. {@link #compactRevision()} is non-zero
 * when the revision it had to start or resume from was compacted (etcd's {@code compact_revision}):
 * the events before it are gone; start a new watch from it, after re-reading the state.
 *
 * <p>Threading: immutable.
 */
public final class WatchCanceledException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long compactRevision;

  public WatchCanceledException(String message, long compactRevision) {
    super(message);
    this.compactRevision = compactRevision;
  }

  /** The compacted revision the watch could not start from; 0 if it was cancelled for another reason. */
  public long compactRevision() {
    return compactRevision;
  }
}
