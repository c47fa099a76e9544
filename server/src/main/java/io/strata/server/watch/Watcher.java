package io.strata.server.watch;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.mvccpb.Event;

/**
 * One watcher: what it watches (immutable) and where it stands (owned by the hub thread).
 *
 * <p>Key range, after etcd's normalisation of the create request: an empty key is the key
 * {@code "\0"}; an empty range end watches the key alone; a range end of {@code "\0"} watches
 * every key from the key on; otherwise [key, range_end).
 *
 * <p>Threading: the configuration fields are final and safe everywhere. {@link #nextRevision},
 * {@link #state} and {@link #eventsSinceTick} are read and written on the hub thread only.
 */
final class Watcher {
  /** Where a watcher is in its life, as the hub sees it. */
  enum State {
    /** Created on its stream, not yet seen by the hub. */
    NEW,
    /** In the synced group: receives each committed batch as the hub dispatches it. */
    SYNCED,
    /** Behind; waits until its stream has room, then catches up from the store. */
    UNSYNCED,
    /** A catch-up read is in flight for it. */
    CATCHING_UP,
    /** Canceled, compacted, or its stream closed: gets nothing more. */
    REMOVED
  }

  final ServerWatchStream stream;
  final long id;
  final byte[] key;
  final byte[] rangeEnd;
  final ByteString keyBytes;
  final boolean prevKv;
  final boolean fragment;
  final boolean progressNotify;
  final boolean noPut;
  final boolean noDelete;

  /** The first revision this watcher has not been sent (or filtered) yet. */
  long nextRevision;
  State state = State.NEW;
  /** An event response was queued since the last progress tick (etcd elides that tick). */
  boolean eventsSinceTick;

  Watcher(ServerWatchStream stream, long id, byte[] key, byte[] rangeEnd, long startRevision,
      WatchCreateRequest request) {
    this.stream = stream;
    this.id = id;
    this.key = key;
    this.rangeEnd = rangeEnd;
    this.keyBytes = ByteString.copyFrom(key);
    this.prevKv = request.getPrevKv();
    this.fragment = request.getFragment();
    this.progressNotify = request.getProgressNotify();
    boolean noPutFilter = false;
    boolean noDeleteFilter = false;
    for (WatchCreateRequest.FilterType filter : request.getFiltersList()) {
      if (filter == WatchCreateRequest.FilterType.NOPUT) {
        noPutFilter = true;
      } else if (filter == WatchCreateRequest.FilterType.NODELETE) {
        noDeleteFilter = true;
      }
    }
    this.noPut = noPutFilter;
    this.noDelete = noDeleteFilter;
    this.nextRevision = startRevision;
  }

  boolean isSingleKey() {
    return rangeEnd.length == 0;
  }

  /** False when the create request's filters drop this event. */
  boolean accepts(Event event) {
    return switch (event.getType()) {
      case PUT -> !noPut;
      case DELETE -> !noDelete;
      default -> true;
    };
  }

  @Override
  public String toString() {
    return "watcher " + id + " [" + keyBytes.toStringUtf8() + ", "
        + ByteString.copyFrom(rangeEnd).toStringUtf8() + ") next " + nextRevision + " " + state;
  }
}
