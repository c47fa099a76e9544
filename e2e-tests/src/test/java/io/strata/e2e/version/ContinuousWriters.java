package io.strata.e2e.version;

import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients writing unique keys under {@code load/} without pause, each to the members in turn, while
 * a scenario changes the cluster. Every acknowledged put is recorded; a put that failed may or may
 * not have been applied and is recorded as indeterminate.
 */
final class ContinuousWriters implements AutoCloseable {
  static final String PREFIX = "load/";

  private final Cluster cluster;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  final Map<String, String> acknowledged = new ConcurrentHashMap<>();
  final Set<String> indeterminate = ConcurrentHashMap.newKeySet();
  private final AtomicLong failures = new AtomicLong();

  ContinuousWriters(Cluster cluster, int clients) {
    this.cluster = cluster;
    for (int c = 0; c < clients; c++) {
      int client = c;
      Thread thread = new Thread(() -> write(client), "writer-" + c);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  private void write(int client) {
    long seq = 0;
    while (running.get()) {
      List<? extends Member> members = cluster.members();
      Member member = members.get((int) ((client + seq) % members.size()));
      String key = String.format("%sc%d/%08d", PREFIX, client, seq++);
      String value = "v" + seq;
      if (!member.isRunning()) {
        continue;
      }
      try {
        cluster.grpc(member).put(key, value, Duration.ofSeconds(5));
        acknowledged.put(key, value);
      } catch (RuntimeException e) {
        indeterminate.add(key);
        failures.incrementAndGet();
        cluster.grpc(member).resetBackoff();
      }
    }
  }

  long acknowledgedCount() {
    return acknowledged.size();
  }

  long failures() {
    return failures.get();
  }

  /** Null when {@code seen} holds every acknowledged write and nothing but acknowledged or indeterminate ones. */
  String problemWith(Map<String, String> seen) {
    for (Map.Entry<String, String> ack : acknowledged.entrySet()) {
      if (!ack.getValue().equals(seen.get(ack.getKey()))) {
        return "acknowledged " + ack.getKey() + "=" + ack.getValue() + " but found " + seen.get(ack.getKey());
      }
    }
    for (String key : seen.keySet()) {
      if (!acknowledged.containsKey(key) && !indeterminate.contains(key)) {
        return "found " + key + ", which no client wrote";
      }
    }
    return null;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }
  }
}
