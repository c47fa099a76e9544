package io.strata.client;

import io.strata.api.etcdserverpb.WatchResponse;
import java.util.Optional;

/**
 * A watch was cancelled by its member and will not resume. {@link #compactRevision()} is non-zero
 * when the revision it had to start or resume from was compacted (etcd's {@code compact_revision}):
 * the events before it are gone; start a new watch from it, after re-reading the state.
 * {@link #response()} is the member's cancelling answer as it came (header, cancel reason).
 *
 * <p>Threading: immutable.
 */
public final class WatchCanceledException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long compactRevision;
  private final transient WatchResponse response;

  public WatchCanceledException(String message, long compactRevision) {
    super(message);
    this.compactRevision = compactRevision;
    this.response = null;
  }

  /** The member's answer {@code response} (canceled, or carrying a compact revision) ended the watch. */
  public WatchCanceledException(String message, WatchResponse response) {
    super(message);
    this.compactRevision = response.getCompactRevision();
    this.response = response;
  }

  /** The compacted revision the watch could not start from; 0 if it was cancelled for another reason. */
  public long compactRevision() {
    return compactRevision;
  }

  /** The member's answer that cancelled the watch; empty if the exception was made without one. */
  public Optional<WatchResponse> response() {
    return Optional.ofNullable(response);
  }
}
