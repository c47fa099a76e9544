package io.strata.server.watch;

import com.google.protobuf.ByteString;
import io.strata.storage.KvHistory;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The synced watchers, indexed for matching events: single-key watchers by key (one hash lookup
 * per event), range watchers in a list checked one by one.
 *
 * <p>Threading: hub thread only.
 */
final class WatcherGroup {
  private final Map<ByteString, Set<Watcher>> byKey = new HashMap<>();
  private final Set<Watcher> ranges = new LinkedHashSet<>();
  private int size;

  void add(Watcher w) {
    boolean added = w.isSingleKey()
        ? byKey.computeIfAbsent(w.keyBytes, k -> new LinkedHashSet<>()).add(w)
        : ranges.add(w);
    if (added) {
      size++;
    }
  }

  boolean remove(Watcher w) {
    boolean removed;
    if (w.isSingleKey()) {
      Set<Watcher> set = byKey.get(w.keyBytes);
      removed = set != null && set.remove(w);
      if (set != null && set.isEmpty()) {
        byKey.remove(w.keyBytes);
      }
    } else {
      removed = ranges.remove(w);
    }
    if (removed) {
      size--;
    }
    return removed;
  }

  int size() {
    return size;
  }

  /** Calls {@code action} for every watcher whose range holds {@code key}. */
  void forEachMatching(ByteString key, Consumer<Watcher> action) {
    Set<Watcher> exact = byKey.get(key);
    if (exact != null) {
      exact.forEach(action);
    }
    if (!ranges.isEmpty()) {
      byte[] raw = key.toByteArray();
      for (Watcher w : ranges) {
        if (KvHistory.inRange(raw, w.key, w.rangeEnd)) {
          action.accept(w);
        }
      }
    }
  }

  /** Removes and returns every watcher. */
  Set<Watcher> clear() {
    Set<Watcher> all = new LinkedHashSet<>(ranges);
    byKey.values().forEach(all::addAll);
    byKey.clear();
    ranges.clear();
    size = 0;
    return all;
  }
}
