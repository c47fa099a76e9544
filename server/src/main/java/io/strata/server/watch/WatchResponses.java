package io.strata.server.watch;

import com.google.protobuf.CodedOutputStream;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * The responses etcd 3.4's watch server sends, field for field.
 *
 * <ul>
 *   <li>created: header at the store revision when the watcher was created, watch_id, created;</li>
 *   <li>a refused create: watch_id -1, created and canceled, cancel_reason with mvcc's message;</li>
 *   <li>canceled (by the client): header at the store revision, watch_id, canceled;</li>
 *   <li>compacted: header revision 0, watch_id, compact_revision, canceled (no reason);</li>
 *   <li>progress: header at the revision every event up to which has been sent, no events;
 *       watch_id -1 when the client asked (it concerns every watcher of the stream), the
 *       watcher's id for a periodic notification.</li>
 * </ul>
 *
 * <p>Stateless; any thread.
 */
final class WatchResponses {
  /** etcd's {@code clientv3.InvalidWatchID}: the id of responses that concern no single watcher. */
  static final long NO_WATCH_ID = -1;
  private static final int EVENTS_FIELD = WatchResponse.EVENTS_FIELD_NUMBER;

  private WatchResponses() {}

  static WatchResponse created(ResponseHeader header, long watchId) {
    return WatchResponse.newBuilder().setHeader(header).setWatchId(watchId).setCreated(true).build();
  }

  static WatchResponse refused(ResponseHeader header, String reason) {
    return WatchResponse.newBuilder().setHeader(header).setWatchId(NO_WATCH_ID)
        .setCreated(true).setCanceled(true).setCancelReason(reason).build();
  }

  /** A create the caller may not make (etcd answers with the requested id and the gRPC error text). */
  static WatchResponse denied(ResponseHeader header, long requestedId, io.grpc.StatusRuntimeException error) {
    return WatchResponse.newBuilder().setHeader(header).setWatchId(requestedId)
        .setCreated(true).setCanceled(true)
        .setCancelReason("rpc error: code = " + goCodeName(error.getStatus().getCode())
            + " desc = " + error.getStatus().getDescription())
        .build();
  }

  /** gRPC code names as Go prints them ("PermissionDenied"). */
  private static String goCodeName(io.grpc.Status.Code code) {
    StringBuilder name = new StringBuilder();
    for (String part : code.name().split("_")) {
      name.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return name.toString();
  }

  static WatchResponse canceled(ResponseHeader header, long watchId) {
    return WatchResponse.newBuilder().setHeader(header).setWatchId(watchId).setCanceled(true).build();
  }

  static WatchResponse compacted(ResponseHeader headerAtZero, long watchId, long compactRevision) {
    return WatchResponse.newBuilder().setHeader(headerAtZero).setWatchId(watchId)
        .setCompactRevision(compactRevision).setCanceled(true).build();
  }

  static WatchResponse progress(ResponseHeader header, long watchId) {
    return WatchResponse.newBuilder().setHeader(header).setWatchId(watchId).build();
  }

  static WatchResponse events(ResponseHeader header, long watchId, List<Event> events) {
    return WatchResponse.newBuilder().setHeader(header).setWatchId(watchId).addAllEvents(events).build();
  }

  /**
   * etcd's {@code sendFragments}: a response under {@code maxBytes} or with fewer than two events
   * goes whole; otherwise events are packed in order, each fragment taking events while it stays
   * under {@code maxBytes} (but at least one), every fragment but the last marked {@code fragment}.
   */
  static List<WatchResponse> fragments(WatchResponse whole, long maxBytes) {
    int count = whole.getEventsCount();
    if (whole.getSerializedSize() < maxBytes || count < 2) {
      return List.of(whole);
    }
    WatchResponse base = whole.toBuilder().clearEvents().setFragment(true).build();
    long baseSize = base.getSerializedSize();
    List<WatchResponse> out = new ArrayList<>();
    int next = 0;
    while (next < count) {
      WatchResponse.Builder fragment = base.toBuilder();
      long size = baseSize;
      int taken = 0;
      while (next < count) {
        Event event = whole.getEvents(next);
        long eventSize = CodedOutputStream.computeMessageSize(EVENTS_FIELD, event);
        if (taken > 0 && size + eventSize >= maxBytes) {
          break;
        }
        fragment.addEvents(event);
        size += eventSize;
        taken++;
        next++;
      }
      if (next == count) {
        fragment.setFragment(false);
      }
      out.add(fragment.build());
    }
    return out;
  }
}
