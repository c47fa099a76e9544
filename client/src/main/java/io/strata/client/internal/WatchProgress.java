package io.strata.client.internal;

import io.strata.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a resumable watch stands: the revision the next (re)created watch starts from, and which
 * events of a response are new. etcd sends all events of one revision in one response and in
 * revision order, so a watch re-created from {@link #resumeRevision()} repeats nothing and skips
 * nothing as long as every event below it was delivered:
 * <ul>
 *   <li>a watch from revision R (R &gt; 0) starts at R;</li>
 *   <li>a watch from "now" (0) starts, once created, after the revision in the created response's
 *       header (the events it will send are newer);</li>
 *   <li>after a response with events, after the last event's revision;</li>
 *   <li>after a progress notification (no events), after its header revision: every event up to it
 *       was sent;</li>
 *   <li>an event below the resume revision was delivered before and is dropped ({@link #accept}).</li>
 * </ul>
 *
 * <p>Threading: not thread-safe; one watch's callbacks use it one at a time.
 */
public final class WatchProgress {
  /** The revision the next create request asks for; 0 while "now" has not been fixed yet. */
  private long nextRevision;

  public WatchProgress(long startRevision) {
    if (startRevision < 0) {
      throw new IllegalArgumentException("negative start revision: " + startRevision);
    }
    this.nextRevision = startRevision;
  }

  /** The start revision of the next create request (0: "now", only before the first creation). */
  public long resumeRevision() {
    return nextRevision;
  }

  /** A created response with {@code headerRevision}: fixes "now" the first time. */
  public void created(long headerRevision) {
    if (nextRevision == 0) {
      nextRevision = headerRevision + 1;
    }
  }

  /** The events of a response that were not delivered before, in order; moves the resume revision past them. */
  public List<Event> accept(List<Event> events) {
    List<Event> fresh = new ArrayList<>(events.size());
    for (Event event : events) {
      long revision = event.getKv().getModRevision();
      if (revision >= nextRevision) {
        fresh.add(event);
      }
    }
    if (!fresh.isEmpty()) {
      nextRevision = Math.max(nextRevision, fresh.get(fresh.size() - 1).getKv().getModRevision() + 1);
    }
    return fresh;
  }

  /** A progress notification at {@code headerRevision}: every event up to it was sent. */
  public void progressed(long headerRevision) {
    if (headerRevision > 0) {
      nextRevision = Math.max(nextRevision, headerRevision + 1);
    }
  }
}
