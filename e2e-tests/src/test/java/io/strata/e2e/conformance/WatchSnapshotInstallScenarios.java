package io.strata.e2e.conformance;

import static io.strata.e2e.conformance.WatchStreamClient.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.Metrics;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.Waits;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Watchers on a follower that falls so far behind that it catches up through a snapshot install:
 * the install skips the events of everything it brings, so the member's watchers must catch up
 * from the store, with no gap and no duplicate. The follower is frozen (SIGSTOP) rather than
 * stopped, so its watch streams stay open across the install.
 */
public abstract class WatchSnapshotInstallScenarios {
  /** etcd's metric: snapshots this member received from the leader and applied. */
  private static final String SNAPSHOTS_RECEIVED = "etcd_network_snapshot_receive_success";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected abstract Backend backend();

  /**
   * Writes while the follower is frozen: enough that the leader's log no longer has them (etcd keeps
   * 5000 entries after a snapshot) and that they do not all fit in the frozen member's socket
   * buffers (several MB), from which it would simply replay them.
   */
  protected abstract int writesWhileFrozen();

  /**
   * Whether the frozen member must have caught up through a snapshot install. etcd keeps so much
   * log and buffers so much per peer that it usually catches up from the log instead; there the
   * run proves the scenario's checks, not the install.
   */
  protected abstract boolean mustInstallSnapshot();

  /** Frozen-phase values are this big, so that the backlog outgrows the socket buffers. */
  private static final int FROZEN_VALUE_BYTES = 8 * 1024;
  private static final String FROZEN_FILLER = "x".repeat(FROZEN_VALUE_BYTES);

  /** Revision to (key, value) of every acknowledged put. */
  private final Map<Long, String[]> acked = new TreeMap<>();

  @Test
  void watchers_on_a_member_that_installs_a_snapshot_miss_nothing() throws Exception {
    // An election timeout of 3 s (instead of 1 s) keeps a busy machine from changing the leader
    // mid-test: a put that fails with "leader changed" may or may not have been applied.
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers().withSnapshotCount(20)
        .withTimeouts(Duration.ofMillis(100), Duration.ofMillis(3000)));
    Member leader = cluster.awaitLeader(Duration.ofSeconds(30));
    Member follower = cluster.members().stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow();
    EtcdGrpc writes = cluster.grpc(leader);
    long start = writes.put("/s/start", "0").getHeader().getRevision();
    acked.put(start, new String[] {"/s/start", "0"});

    try (WatchStreamClient all = new WatchStreamClient(follower.clientEndpoint());
         WatchStreamClient one = new WatchStreamClient(follower.clientEndpoint())) {
      all.create(WatchCreateRequest.newBuilder().setKey(bytes("/s/")).setRangeEnd(bytes("/s0"))
          .setStartRevision(start + 1));
      one.create(WatchCreateRequest.newBuilder().setKey(bytes("/s/k7")).setStartRevision(1).setPrevKv(true));
      assertThat(all.next().getCreated()).isTrue();
      assertThat(one.next().getCreated()).isTrue();
      List<Event> seenAll = new ArrayList<>();
      List<Event> seenOne = new ArrayList<>();
      put(writes, "before", 10);
      awaitEvents(all, seenAll, 10);

      double receivedBefore = Metrics.scrape(follower).sum(SNAPSHOTS_RECEIVED);
      long pid = ((ProcessCluster.ProcessMember) follower).pid();
      signal("STOP", pid);
      try {
        put(writes, "frozen-" + FROZEN_FILLER + "-", writesWhileFrozen());
      } finally {
        signal("CONT", pid);
      }
      put(writes, "after", 10);
      int expected = acked.size() - 1; // all puts after "start"
      awaitEvents(all, seenAll, expected);
      double installs = Metrics.scrape(follower).sum(SNAPSHOTS_RECEIVED) - receivedBefore;
      System.out.printf("[watch-snapshot] %s: %s installed %.0f snapshots while its watchers were open%n",
          cluster.implementation(), follower.name(), installs);
      if (mustInstallSnapshot()) {
        assertThat(installs).as("%s caught up through a snapshot install (metric %s)", follower.name(), SNAPSHOTS_RECEIVED)
            .isGreaterThanOrEqualTo(1);
      }

      List<String> want = new ArrayList<>();
      acked.forEach((rev, kv) -> {
        if (rev > start) {
          want.add(rev + " " + kv[0] + "=" + shortened(kv[1]));
        }
      });
      assertThat(seenAll.stream().map(e -> e.getKv().getModRevision() + " " + e.getKv().getKey().toStringUtf8()
          + "=" + shortened(e.getKv().getValue().toStringUtf8())).toList())
          .as("no gap, no duplicate across the install").isEqualTo(want);

      List<String> wantOne = new ArrayList<>();
      String[] previous = {null};
      acked.forEach((rev, kv) -> {
        if (kv[0].equals("/s/k7")) {
          wantOne.add(rev + " " + shortened(kv[1]) + " prev " + shortened(previous[0]));
          previous[0] = kv[1];
        }
      });
      awaitEvents(one, seenOne, wantOne.size());
      assertThat(seenOne.stream().map(e -> e.getKv().getModRevision() + " " + shortened(e.getKv().getValue().toStringUtf8())
          + " prev " + shortened(e.hasPrevKv() ? e.getPrevKv().getValue().toStringUtf8() : null)).toList())
          .as("a single-key watcher with prev_kv across the install").isEqualTo(wantOne);
    }
  }

  /**
   * A value as compared and reported: the 8 KiB filler of a frozen-phase value written as its
   * length, so that a failure's message stays readable (and within the test JVM's heap).
   */
  private static String shortened(String value) {
    return value == null ? null : value.replace(FROZEN_FILLER, "x{" + FROZEN_VALUE_BYTES + "}");
  }

  /** Puts {@code count} keys (ten keys in turn), 32 in flight; every one must be acknowledged. */
  private void put(EtcdGrpc grpc, String tag, int count) throws Exception {
    for (int base = 0; base < count; base += 32) {
      List<ListenableFuture<PutResponse>> inFlight = new ArrayList<>();
      List<String[]> kvs = new ArrayList<>();
      for (int i = base; i < Math.min(count, base + 32); i++) {
        String[] kv = {"/s/k" + (i % 10), tag + i};
        kvs.add(kv);
        inFlight.add(grpc.putAsync(kv[0], kv[1], Duration.ofSeconds(20)));
      }
      for (int i = 0; i < inFlight.size(); i++) {
        long rev = inFlight.get(i).get(30, TimeUnit.SECONDS).getHeader().getRevision();
        assertThat(acked.put(rev, kvs.get(i))).as("one put per revision").isNull();
      }
    }
  }

  private static void awaitEvents(WatchStreamClient c, List<Event> into, int count) {
    Waits.until(count + " events", WAIT, () -> {
      for (WatchResponse r = c.poll(); r != null; r = c.poll()) {
        assertThat(r.getCanceled()).as("not canceled: %s", r).isFalse();
        into.addAll(r.getEventsList());
      }
      return into.size() >= count ? true : null;
    });
  }

  private static void signal(String signal, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %d", signal, pid).isTrue();
  }
}
