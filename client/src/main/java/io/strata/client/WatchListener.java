package io.strata.client;

import io.strata.api.etcdserverpb.WatchResponse;

/**
 * Receives what one {@link Watcher} sees. Calls come one at a time, in order, never on a gRPC
 * network thread, and never after {@link #onError} or {@link #onCompleted}; a slow listener holds
 * back its own watch only (the client asks its member for the next response once the last call
 * returned). Do not block for long in them.
 */
public interface WatchListener {
  /**
   * Events in revision order, each delivered exactly once across reconnects; or a progress
   * notification (no events; its header revision says every event up to it was delivered).
   */
  void onNext(WatchResponse response);

  /**
   * The watch ended and will not resume: a {@link WatchCanceledException} (the start or resume
   * revision was compacted, or the member cancelled the watch) or the call's error (e.g.
   * permission denied).
   */
  default void onError(Throwable error) { }

  /** The watch was closed by the application ({@link Watcher#close}). */
  default void onCompleted() { }
}
