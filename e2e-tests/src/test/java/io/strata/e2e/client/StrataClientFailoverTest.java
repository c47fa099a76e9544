package io.strata.e2e.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.client.Endpoint;
import io.strata.client.KeepAlive;
import io.strata.client.KeepAliveListener;
import io.strata.client.Keys;
import io.strata.client.StrataClient;
import io.strata.client.WatchListener;
import io.strata.client.Watcher;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import io.strata.e2e.harness.Waits;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Strata's Java client against three real members at cluster version 1.2 (idempotent writes):
 * writes through a leader kill and restart are all kept and none applied twice; a watch survives
 * its member's restart and a leader kill with every revision delivered once, in order; the
 * keep-alive helper keeps a lease alive across a leader kill; the README's example program runs.
 * One cluster for the class; each test leaves every member running.
 */
@Tag("strata")
class StrataClientFailoverTest {
  /** Bound on the time without a successful write after the leader was killed. */
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(10);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private static Cluster cluster;
  private static StrataClient client;

  @BeforeAll
  static void startCluster() {
    cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    VersionWaits.awaitVersions(cluster, "cluster version 1.2", VersionWaits.clusterVersion("1.2"));
    client = StrataClient.builder().endpoints(cluster.endpoints().split(","))
        .requestTimeout(Duration.ofSeconds(20)).build();
  }

  @AfterAll
  static void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  /**
   * The leader's applied revision. Not any running member's: a member just restarted may still be
   * catching up, and a history read up to its revision would miss the newest acknowledged writes.
   */
  private static long currentRevision() {
    return cluster.grpc(cluster.leader()).status().getHeader().getRevision();
  }

  /** A successful write: what was written and when the answer came (nano time). */
  private record Ack(String key, String value, long revision, long atNanos) { }

  @Test
  void writes_from_four_threads_through_a_leader_kill_and_restart_are_all_kept_and_none_applied_twice() throws Exception {
    long fromRevision = currentRevision() + 1;
    Queue acks = new Queue();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Set<String> attempted = Collections.synchronizedSet(new HashSet<>());
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      String key = "fo/t" + t;
      Thread writer = new Thread(() -> {
        for (int n = 0; !stop.get(); n++) {
          String value = key + "-" + n;
          attempted.add(value);
          try {
            long revision = client.kv().put(bytes(key), bytes(value)).join().getHeader().getRevision();
            acks.add(new Ack(key, value, revision, System.nanoTime()));
          } catch (CompletionException e) {
            failures.add(e.getCause());
          }
        }
      }, "writer-" + t);
      writer.start();
      writers.add(writer);
    }
    try {
      Waits.until("40 writes before the kill", WAIT, () -> acks.size() >= 40 ? true : null);
      Member leader = cluster.leader();
      cluster.kill(leader);
      int atKill = acks.size();
      Waits.until("40 writes after the kill", WAIT, () -> acks.size() >= atKill + 40 ? true : null);
      cluster.start(leader);
      int atRestart = acks.size();
      Waits.until("40 writes after the restart", WAIT, () -> acks.size() >= atRestart + 40 ? true : null);
    } finally {
      stop.set(true);
      for (Thread writer : writers) {
        writer.join(Duration.ofSeconds(30).toMillis());
      }
    }

    assertThat(failures).as("every write got an answer through the failover").isEmpty();
    List<Ack> acked = acks.list();
    long longestGap = 0;
    for (int i = 1; i < acked.size(); i++) {
      longestGap = Math.max(longestGap, acked.get(i).atNanos() - acked.get(i - 1).atNanos());
    }
    assertThat(Duration.ofNanos(longestGap)).as("longest time without a successful write").isLessThan(FAILOVER_BOUND);

    long lastAcknowledged = acked.stream().mapToLong(Ack::revision).max().orElseThrow();
    List<Event> history = KeyHistory.read(cluster.grpc(cluster.leader()), "fo/", fromRevision,
        Math.max(lastAcknowledged, currentRevision()), WAIT);
    Map<String, List<Long>> revisionsOfValue = new HashMap<>();
    for (Event event : history) {
      revisionsOfValue.computeIfAbsent(event.getKv().getValue().toStringUtf8(), v -> new ArrayList<>())
          .add(event.getKv().getModRevision());
    }
    Map<String, List<Long>> appliedTwice = revisionsOfValue.entrySet().stream().filter(e -> e.getValue().size() > 1)
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    assertThat(appliedTwice).as("values written in more than one revision").isEmpty();
    for (Ack ack : acked) {
      assertThat(revisionsOfValue.get(ack.value())).as("revisions holding acknowledged %s", ack.value())
          .containsExactly(ack.revision());
    }
    assertThat(revisionsOfValue.keySet()).as("nothing but attempted values").isSubsetOf(attempted);
    assertThat(history).as("one event per acknowledged write").hasSize(acked.size());
  }

  @Test
  void a_write_in_doubt_when_the_leader_died_is_retried_with_its_request_id_and_applied_once() throws Exception {
    Member leader = cluster.leader();
    Member follower = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    // Through the follower only, so the write is forwarded to the leader; the same scenario on a
    // 1.1 cluster ends in WriteOutcomeUnknownException (StrataClientRetryContract11Test).
    try (StrataClient viaFollower = StrataClient.builder().endpoints(follower.clientEndpoint())
        .requestTimeout(Duration.ofSeconds(20)).build()) {
      long before = viaFollower.kv().put(bytes("doubt/k"), bytes("ordinary")).join().getHeader().getRevision();
      cluster.kill(leader);
      long applied = viaFollower.kv().put(bytes("doubt/k"), bytes("in-doubt")).join().getHeader().getRevision();
      cluster.start(leader);
      List<Event> history = KeyHistory.read(cluster.grpc(follower), "doubt/", before,
          Math.max(applied, currentRevision()), WAIT);
      assertThat(history.stream().map(StrataClientFailoverTest::describe).toList())
          .containsExactly(before + " PUT doubt/k=ordinary", applied + " PUT doubt/k=in-doubt");
    }
  }

  @Test
  void a_watch_survives_its_members_restart_and_a_leader_kill_without_a_gap_or_a_repeat() throws Exception {
    Member leader = cluster.leader();
    Member watched = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    List<String> endpoints = new ArrayList<>();
    endpoints.add(watched.clientEndpoint()); // the watch's first stream goes to this member
    cluster.members().stream().filter(m -> m != watched).forEach(m -> endpoints.add(m.clientEndpoint()));
    List<Event> received = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong lastWritten = new AtomicLong();
    Thread writer = new Thread(() -> {
      for (int n = 0; !stop.get(); n++) {
        try {
          lastWritten.set(client.kv().put(bytes("w/k" + n % 3), bytes("v" + n)).join().getHeader().getRevision());
        } catch (CompletionException e) {
          // An unknown outcome is fine here: the watch must report whatever was applied.
        }
      }
    }, "watched-writer");
    try (StrataClient watching = StrataClient.builder().endpoints(endpoints).build()) {
      Watcher watcher = watching.watch().watch(WatchCreateRequest.newBuilder()
          .setKey(bytes("w/")).setRangeEnd(Keys.prefixEnd(bytes("w/"))).build(), new WatchListener() {
            @Override
            public void onNext(WatchResponse response) {
              received.addAll(response.getEventsList());
            }

            @Override
            public void onError(Throwable error) {
              ended.set(error);
            }
          });
      long createdAt = watcher.created().get(30, java.util.concurrent.TimeUnit.SECONDS);
      writer.start();
      try {
        Waits.until("20 events", WAIT, () -> received.size() >= 20 ? true : null);
        cluster.restart(watched);
        int afterRestart = received.size();
        Waits.until("20 events after the watched member's restart", WAIT,
            () -> received.size() >= afterRestart + 20 ? true : null);
        Member current = cluster.leader();
        cluster.kill(current);
        int afterKill = received.size();
        Waits.until("20 events after the leader kill", WAIT, () -> received.size() >= afterKill + 20 ? true : null);
        cluster.start(current);
      } finally {
        stop.set(true);
        writer.join(Duration.ofSeconds(30).toMillis());
      }
      long end = Math.max(lastWritten.get(), currentRevision());
      Waits.until("the watch to reach revision " + lastWritten.get(), WAIT,
          () -> !received.isEmpty() && received.get(received.size() - 1).getKv().getModRevision() >= lastWritten.get()
              ? true : null);
      watcher.close();
      assertThat(ended.get()).as("the watch never ended").isNull();

      List<Event> history = KeyHistory.read(cluster.grpc(cluster.leader()), "w/", createdAt + 1, end, WAIT);
      List<Event> upToEnd = received.stream().filter(e -> e.getKv().getModRevision() <= end).toList();
      assertThat(upToEnd.stream().map(StrataClientFailoverTest::describe).toList())
          .as("the watched events are exactly the history, in order")
          .containsExactlyElementsOf(history.stream().map(StrataClientFailoverTest::describe).toList());
      assertThat(history).hasSizeGreaterThanOrEqualTo(60);
    }
  }

  private static String describe(Event event) {
    return event.getKv().getModRevision() + " " + event.getType() + " " + event.getKv().getKey().toStringUtf8()
        + "=" + event.getKv().getValue().toStringUtf8();
  }

  @Test
  void the_keep_alive_helper_keeps_a_lease_alive_across_a_leader_kill() throws Exception {
    long ttl = 4;
    long leaseId = client.lease().grant(ttl).join().getID();
    client.kv().put(PutRequest.newBuilder().setKey(bytes("lease/k")).setValue(bytes("held")).setLease(leaseId).build()).join();
    AtomicInteger renewals = new AtomicInteger();
    AtomicBoolean lost = new AtomicBoolean();
    KeepAlive keepAlive = client.lease().keepAlive(leaseId, new KeepAliveListener() {
      @Override
      public void onKeepAlive(io.strata.api.etcdserverpb.LeaseKeepAliveResponse response) {
        renewals.incrementAndGet();
      }

      @Override
      public void onLost(long id) {
        lost.set(true);
      }
    });
    try {
      Waits.until("two renewals", WAIT, () -> renewals.get() >= 2 ? true : null);
      Member leader = cluster.leader();
      cluster.kill(leader);
      int atKill = renewals.get();
      // Without renewals the lease would be gone within TTL of the new leader's election.
      await().during(Duration.ofSeconds(3 * ttl)).atMost(Duration.ofSeconds(5 * ttl)).until(() -> !lost.get());
      assertThat(renewals.get()).as("renewals after the kill").isGreaterThanOrEqualTo(atKill + 3);
      assertThat(client.lease().timeToLive(leaseId, false).join().getTTL()).isPositive();
      assertThat(client.kv().get(bytes("lease/k")).join().getCount()).isEqualTo(1);
      cluster.start(leader);
    } finally {
      keepAlive.close();
    }
    // Closing the helper stops the renewals: the lease expires and takes its key along.
    Waits.until("the lease to expire once no longer kept alive", WAIT,
        () -> client.lease().timeToLive(leaseId, false).join().getTTL() == -1 ? true : null);
    assertThat(client.kv().range(RangeRequest.newBuilder().setKey(bytes("lease/k")).build()).join().getCount()).isZero();
  }

  @Test
  void cluster_maintenance_and_auth_calls_go_through_the_client() throws Exception {
    assertThat(client.cluster().memberList().join().getMembersCount()).isEqualTo(3);
    long revision = client.kv().put(bytes("thin/k"), bytes("v")).join().getHeader().getRevision();
    Set<Long> memberIds = new HashSet<>();
    Set<Integer> hashes = new HashSet<>();
    for (Member member : cluster.members()) {
      Endpoint endpoint = Endpoint.parse(member.clientEndpoint());
      var status = client.maintenance().status(endpoint).join();
      memberIds.add(status.getHeader().getMemberId());
      Waits.until(member.name() + " to apply revision " + revision, WAIT,
          () -> client.maintenance().status(endpoint).join().getHeader().getRevision() >= revision ? true : null);
      hashes.add(client.maintenance().hashKV(endpoint, revision).join().getHash());
    }
    assertThat(memberIds).as("each status came from the member asked").hasSize(3);
    assertThat(hashes).as("the same data on every member").hasSize(1);
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    long bytes = client.maintenance().snapshot(Endpoint.parse(cluster.member(0).clientEndpoint()), snapshot).join();
    assertThat(bytes).isPositive().isEqualTo(snapshot.size());
    assertThat(client.maintenance().alarm(io.strata.api.etcdserverpb.AlarmRequest.getDefaultInstance()).join()
        .getAlarmsCount()).isZero();
    assertThat(client.auth().authStatus().join().getEnabled()).isFalse();
    client.auth().roleAdd("reader").join();
    assertThat(client.auth().roleList().join().getRolesList()).contains("reader");
    client.auth().roleDelete("reader").join();
    assertThat(client.auth().roleList().join().getRolesList()).doesNotContain("reader");
  }

  @Test
  void the_readme_example_program_runs_and_is_the_one_in_the_readme() throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      ExampleProgram.run(cluster.endpoints(), out);
    }
    assertThat(output.toString(StandardCharsets.UTF_8).lines().toList())
        .contains("get: hello", "swapped: true")
        .anySatisfy(line -> assertThat(line).matches("session TTL: (9|10) s"));
    EtcdGrpc member = cluster.grpc(cluster.leader());
    assertThat(member.get("greeting", false)).isEqualTo("world");
    assertThat(member.getPrefix("session", false)).as("revoked with its lease").isEmpty();

    String source = Files.readString(Path.of("src/test/java/io/strata/e2e/client/ExampleProgram.java"));
    String program = source.substring(source.indexOf("import "));
    String readme = Files.readString(Path.of("..", "README.md"));
    assertThat(readme).as("README.md shows ExampleProgram.java (from its imports on)").contains(program);
  }

  /** Acknowledged writes in completion order; thread-safe. */
  private static final class Queue {
    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();

    void add(Ack ack) {
      acks.add(ack);
      size.incrementAndGet();
    }

    int size() {
      return size.get();
    }

    List<Ack> list() {
      return List.copyOf(acks);
    }
  }
}
