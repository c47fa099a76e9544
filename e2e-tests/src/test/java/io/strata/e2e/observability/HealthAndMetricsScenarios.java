package io.strata.e2e.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.SnapshotRequest;
import io.strata.api.etcdserverpb.SnapshotResponse;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Leadership;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /metrics} and {@code /health} of a 3-member cluster, scraped while it works: written once,
 * run on real etcd 3.4 ({@link EtcdHealthAndMetricsTest}, which proves the metric names and the
 * health answers are etcd's) and on Strata ({@link StrataHealthAndMetricsTest}, which adds what
 * only Strata has). The scenarios share one cluster and run in order; the last one stops two
 * members.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class HealthAndMetricsScenarios {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String RECEIVED_BYTES = "etcd_network_client_grpc_received_bytes_total";
  static final String SENT_BYTES = "etcd_network_client_grpc_sent_bytes_total";
  static final String HANDLED_PUTS_OK =
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}";

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected Cluster cluster;

  protected abstract Backend backend();

  protected ClusterSpec spec() {
    return ClusterSpec.threeMembers();
  }

  @BeforeAll
  void startCluster() {
    cluster = clusters.start(backend(), spec());
    cluster.awaitLeader(WAIT);
  }

  @Test
  @Order(1)
  void every_member_has_the_leader_and_exactly_one_is_it() {
    Member leader = cluster.awaitLeader(WAIT);
    cluster.waitFor("every member's metrics to agree on " + leader.name() + " as the only leader", WAIT, () -> {
      for (Member m : cluster.members()) {
        Scrape metrics = Scrape.metrics(m);
        if (metrics.valueOf("etcd_server_has_leader") != 1
            || metrics.valueOf("etcd_server_is_leader") != (m.equals(leader) ? 1 : 0)) {
          return null;
        }
      }
      return true;
    });
    for (Member m : cluster.members()) {
      Scrape metrics = Scrape.metrics(m);
      assertThat(metrics.valueOf("etcd_server_leader_changes_seen_total")).as(m.name()).isGreaterThanOrEqualTo(1);
      assertThat(metrics.series("etcd_server_version")).as(m.name()).singleElement().asString()
          .matches("etcd_server_version\\{server_version=\"[0-9.]+\"\\} 1(\\.0)?");
      assertThat(metrics.valueOf("etcd_server_id{server_id=\""
          + Long.toHexString(cluster.grpc(m).status().getHeader().getMemberId()) + "\"}")).as(m.name()).isEqualTo(1);
      assertThat(metrics.valueOf("process_resident_memory_bytes")).as(m.name()).isGreaterThan(1 << 20);
      assertThat(metrics.valueOf("process_cpu_seconds_total")).as(m.name()).isPositive();
      assertThat(metrics.valueOf("process_open_fds")).as(m.name()).isPositive();
      assertThat(metrics.valueOf("process_start_time_seconds") * 1000).as(m.name())
          .isBetween(System.currentTimeMillis() - 3_600_000.0, (double) System.currentTimeMillis());
    }
  }

  @Test
  @Order(2)
  void a_healthy_member_answers_health_true() {
    for (Member m : cluster.members()) {
      Scrape health = Scrape.get(m, "/health");
      assertThat(health.status()).as(m.name() + " " + health.body()).isEqualTo(200);
      assertThat(healthField(health)).isEqualTo("true");
    }
  }

  @Test
  @Order(3)
  void writes_show_in_the_wal_fsync_histogram_the_grpc_counters_and_the_mvcc_counters() {
    Member target = cluster.member(0);
    int puts = 25;
    long requestBytes = 0;
    long responseBytes = 0;
    Map<Member, Scrape> before = scrapeAll();
    for (int i = 0; i < puts; i++) {
      requestBytes += EtcdGrpc.putRequest("/metrics/k" + i, "v" + i).getSerializedSize();
      responseBytes += cluster.grpc(target).put("/metrics/k" + i, "v" + i).getSerializedSize();
    }
    cluster.waitFor("every member to apply the puts", WAIT, () -> {
      for (Member m : cluster.members()) {
        if (Scrape.metrics(m).valueOf("etcd_mvcc_put_total") < before.get(m).valueOf("etcd_mvcc_put_total") + puts) {
          return null;
        }
      }
      return true;
    });
    Map<Member, Scrape> after = scrapeAll();
    assertThat(after.get(target).valueOf(HANDLED_PUTS_OK) - before.get(target).valueOf(HANDLED_PUTS_OK))
        .as("puts answered OK by %s", target.name()).isEqualTo(puts);
    // etcd counts the serialized size of every message on the client port (its gRPC codec); only
    // these puts went to the target's client port between the two scrapes.
    assertThat(after.get(target).valueOf(RECEIVED_BYTES) - before.get(target).valueOf(RECEIVED_BYTES))
        .as("bytes of the put requests received by %s", target.name()).isEqualTo(requestBytes);
    assertThat(after.get(target).valueOf(SENT_BYTES) - before.get(target).valueOf(SENT_BYTES))
        .as("bytes of the put responses sent by %s", target.name()).isEqualTo(responseBytes);
    for (Member m : cluster.members()) {
      assertThat(after.get(m).valueOf("etcd_disk_wal_fsync_duration_seconds_count"))
          .as("%s fsynced its log for the writes", m.name())
          .isGreaterThan(before.get(m).valueOf("etcd_disk_wal_fsync_duration_seconds_count"));
      assertThat(after.get(m).valueOf("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"}"))
          .isEqualTo(after.get(m).valueOf("etcd_disk_wal_fsync_duration_seconds_count"));
      assertThat(after.get(m).value("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"}")).isPresent();
      assertThat(after.get(m).value("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"}")).isPresent();
      assertThat(after.get(m).valueOf("etcd_disk_backend_commit_duration_seconds_count"))
          .isGreaterThan(before.get(m).valueOf("etcd_disk_backend_commit_duration_seconds_count"));
      assertThat(after.get(m).valueOf("etcd_mvcc_put_total") - before.get(m).valueOf("etcd_mvcc_put_total"))
          .as("puts applied by %s", m.name()).isEqualTo(puts);
      assertThat(after.get(m).valueOf("etcd_server_proposals_applied_total"))
          .isGreaterThanOrEqualTo(before.get(m).valueOf("etcd_server_proposals_applied_total") + puts);
    }
  }

  @Test
  @Order(4)
  void the_db_size_metric_is_what_status_reports() {
    for (Member m : cluster.members()) {
      cluster.waitFor(m.name() + "'s etcd_mvcc_db_total_size_in_bytes to equal Status.dbSize", WAIT, () -> {
        long statusSize = cluster.grpc(m).status().getDbSize();
        double metric = Scrape.metrics(m).valueOf("etcd_mvcc_db_total_size_in_bytes");
        return statusSize > 0 && metric == statusSize && cluster.grpc(m).status().getDbSize() == statusSize
            ? true : null;
      });
    }
  }

  @Test
  @Order(5)
  void a_leader_change_is_counted_on_every_member() {
    Map<Member, Scrape> before = scrapeAll();
    Member leader = cluster.awaitLeader(WAIT);
    Member next = cluster.members().stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow();
    Leadership.moveTo(cluster, next, WAIT);
    cluster.waitFor("every member to count the leader change and agree that " + next.name() + " leads", WAIT, () -> {
      for (Member m : cluster.members()) {
        Scrape now = Scrape.metrics(m);
        if (now.valueOf("etcd_server_leader_changes_seen_total")
            <= before.get(m).valueOf("etcd_server_leader_changes_seen_total")
            || now.valueOf("etcd_server_is_leader") != (m.equals(next) ? 1 : 0)
            || now.valueOf("etcd_server_has_leader") != 1) {
          return null;
        }
      }
      return true;
    });
  }

  /** etcd_debugging_mvcc_keys_total is the number of live keys, on every member. */
  @Test
  @Order(10)
  void the_keys_gauge_counts_the_live_keys_on_every_member() {
    Member target = cluster.member(1);
    for (int i = 0; i < 10; i++) {
      cluster.grpc(target).put("/metrics/keys/k" + i, "v");
    }
    cluster.grpc(target).put("/metrics/keys/k0", "again");
    cluster.grpc(target).kv(WAIT).deleteRange(DeleteRangeRequest.newBuilder()
        .setKey(EtcdGrpc.bytes("/metrics/keys/k2")).setRangeEnd(EtcdGrpc.bytes("/metrics/keys/k5")).build());
    RangeRequest everything = RangeRequest.newBuilder().setKey(EtcdGrpc.bytes("\0")).setRangeEnd(EtcdGrpc.bytes("\0"))
        .setCountOnly(true).build();
    long live = cluster.grpc(target).range(everything).getCount();
    assertThat(cluster.grpc(target).getPrefix("/metrics/keys/", false)).hasSize(7);
    for (Member m : cluster.members()) {
      cluster.waitFor(m.name() + "'s etcd_debugging_mvcc_keys_total to be the " + live + " live keys", WAIT,
          () -> Scrape.metrics(m).valueOf("etcd_debugging_mvcc_keys_total") == live ? true : null);
    }
  }

  /** etcd_disk_backend_snapshot_duration_seconds times a snapshot streamed to a client. */
  @Test
  @Order(11)
  void a_snapshot_streamed_to_a_client_is_timed_in_the_backend_snapshot_histogram() {
    Member target = cluster.member(2);
    Scrape before = Scrape.metrics(target);
    assertThat(before.value("etcd_disk_backend_snapshot_duration_seconds_bucket{le=\"655.36\"}")).isPresent();
    long bytes = 0;
    Iterator<SnapshotResponse> chunks = cluster.grpc(target).maintenance(WAIT).snapshot(SnapshotRequest.getDefaultInstance());
    while (chunks.hasNext()) {
      bytes += chunks.next().getBlob().size();
    }
    assertThat(bytes).isPositive();
    double count = before.valueOf("etcd_disk_backend_snapshot_duration_seconds_count") + 1;
    Scrape after = cluster.waitFor(target.name() + " to time the snapshot", WAIT, () -> {
      Scrape now = Scrape.metrics(target);
      return now.valueOf("etcd_disk_backend_snapshot_duration_seconds_count") == count ? now : null;
    });
    assertThat(after.valueOf("etcd_disk_backend_snapshot_duration_seconds_sum"))
        .isGreaterThan(before.valueOf("etcd_disk_backend_snapshot_duration_seconds_sum"));
    assertThat(after.valueOf("etcd_disk_backend_snapshot_duration_seconds_bucket{le=\"+Inf\"}")).isEqualTo(count);
  }

  /** Every member measures its round trip to every other member, labelled with that member's id. */
  @Test
  @Order(12)
  void every_member_measures_the_round_trip_to_each_other_member() {
    Map<Member, String> ids = new HashMap<>();
    for (Member m : cluster.members()) {
      ids.put(m, Long.toHexString(cluster.grpc(m).status().getHeader().getMemberId()));
    }
    for (Member m : cluster.members()) {
      for (Member other : cluster.members()) {
        if (other.equals(m)) {
          continue;
        }
        String to = "{To=\"" + ids.get(other) + "\"}";
        Scrape metrics = cluster.waitFor(m.name() + " to measure its round trip to " + other.name(), WAIT, () -> {
          Scrape now = Scrape.metrics(m);
          return now.value("etcd_network_peer_round_trip_time_seconds_count" + to).orElse(0) >= 1 ? now : null;
        });
        assertThat(metrics.valueOf("etcd_network_peer_round_trip_time_seconds_sum" + to)).isPositive().isLessThan(
            metrics.valueOf("etcd_network_peer_round_trip_time_seconds_count" + to) * 3.2768);
        assertThat(metrics.valueOf("etcd_network_peer_round_trip_time_seconds_bucket{To=\"" + ids.get(other)
            + "\",le=\"+Inf\"}")).isEqualTo(metrics.valueOf("etcd_network_peer_round_trip_time_seconds_count" + to));
      }
      assertThat(Scrape.metrics(m).series("etcd_network_peer_round_trip_time_seconds_count")).as(m.name())
          .noneMatch(line -> line.contains("To=\"" + ids.get(m) + "\""));
      assertThat(Scrape.metrics(m).valueOf("etcd_server_read_indexes_failed_total")).as(m.name()).isNotNegative();
    }
  }

  /** The quorum is lost: two of three members stop. The third has no leader and says so. */
  @Test
  @Order(20)
  void a_member_that_lost_quorum_answers_health_false() {
    Member survivor = cluster.member(0);
    cluster.stop(cluster.member(1));
    cluster.stop(cluster.member(2));
    // Until its election timeout the survivor may still believe in the stopped leader; then its
    // answer can be a failed read instead. The lost quorum's own answer must follow.
    cluster.waitFor(survivor.name() + " to answer /health 503 for the lost quorum", WAIT, () -> {
      Scrape answer = Scrape.get(survivor, "/health");
      assertThat(answer.status()).as(answer.body()).isEqualTo(503);
      assertThat(healthField(answer)).as(answer.body()).isEqualTo("false");
      assertUnhealthyBecauseQuorumIsLost(answer);
      return answer;
    });
    cluster.waitFor(survivor.name() + " to report no leader", WAIT,
        () -> Scrape.metrics(survivor).valueOf("etcd_server_has_leader") == 0 ? true : null);
    assertThat(Scrape.metrics(survivor).valueOf("etcd_server_health_failures")).isGreaterThanOrEqualTo(1);
  }

  /** What else the implementation says about a lost quorum in /health's answer. */
  protected abstract void assertUnhealthyBecauseQuorumIsLost(Scrape health);

  static String healthField(Scrape health) {
    JsonObject json = JsonParser.parseString(health.body()).getAsJsonObject();
    return json.get("health").getAsString();
  }

  Map<Member, Scrape> scrapeAll() {
    Map<Member, Scrape> scrapes = new HashMap<>();
    for (Member m : cluster.members()) {
      scrapes.put(m, Scrape.metrics(m));
    }
    return scrapes;
  }
}
