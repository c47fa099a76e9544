package io.strata.e2e.deploy;

import static io.strata.e2e.deploy.StatefulSetPods.member;
import static io.strata.e2e.deploy.StatefulSetPods.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.strata.deploy.Manifests;
import io.strata.deploy.MetricReferences;
import io.strata.deploy.PodIdentity;
import io.strata.e2e.harness.Waits;
import io.strata.storage.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Strata members started exactly as the StatefulSet in {@code deploy/kubernetes} starts its pods,
 * each "pod" in a network namespace of its own ({@link StatefulSetPods} says how, and what differs
 * from a cluster): the initial cluster, a scale-up and its scale-down, a scale-up again onto stale
 * data, and a pod whose data was lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StrataStatefulSetPodsTest {
  /** strata-0..2 (the initial cluster) and strata-3 (a scale-up). */
  private static final int PODS = 4;

  private StatefulSetPods pods;
  private volatile boolean failed;

  /** A failed run keeps its directory (pod logs, volumes) under target/e2e-runs; a passing one deletes it. */
  @RegisterExtension
  final TestWatcher keepFailedRuns = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      failed = true;
    }
  };

  @BeforeAll
  void createPodNetwork() throws IOException {
    pods = new StatefulSetPods(Manifests.load(), "statefulset-pods", PODS);
  }

  @AfterAll
  void removePodNetwork() {
    if (pods != null) {
      pods.close(failed);
    }
  }

  @Test
  @Order(1)
  void three_pods_configured_by_the_manifests_form_one_cluster() {
    for (int k = 0; k < 3; k++) {
      pods.startPod(k); // podManagementPolicy: Parallel
    }
    for (int k = 0; k < 3; k++) {
      pods.awaitReady(k);
    }
    pods.awaitMembers("strata-0", "strata-1", "strata-2");
    JsonArray members = pods.memberList(0);
    for (int k = 0; k < 3; k++) {
      JsonObject member = member(members, "strata-" + k);
      assertThat(strings(member.getAsJsonArray("peerURLs"))).containsExactly(pods.identity(k).peerUrl());
      assertThat(strings(member.getAsJsonArray("clientURLs"))).containsExactly(pods.identity(k).clientUrl(k));
    }
    assertThat(pods.etcdctl(0, 0, "put", "/deploy/key", "one")).isEqualTo("OK\n");
    assertThat(pods.etcdctl(2, 2, "get", "/deploy/key", "--print-value-only")).isEqualTo("one\n");
    assertThat(pods.etcdctlThroughService(1, "get", "/deploy/key", "--print-value-only")).isEqualTo("one\n");
  }

  @Test
  @Order(2)
  void every_metric_the_dashboard_and_alerts_read_is_in_a_members_scrape() {
    String scrape = pods.curl(0, "http://" + pods.identity(0).host(0) + ":" + PodIdentity.METRICS_PORT + "/metrics");
    Set<String> served = MetricReferences.seriesInScrape(scrape);
    assertThat(served).as("a real scrape").contains("etcd_server_has_leader");
    List<String> missing = new ArrayList<>();
    for (String name : MetricReferences.referenced()) {
      if (!served.contains(name) && !MetricReferences.STATE_DEPENDENT.contains(name)
          && !MetricReferences.FROM_PROMETHEUS.contains(name)) {
        missing.add(name);
      }
    }
    assertThat(missing).as("series the dashboard or alerts read that the member does not serve").isEmpty();
  }

  @Test
  @Order(3)
  void a_scale_up_pod_joins_and_its_scale_down_removes_it() {
    pods.writeReplicas(4);
    pods.startPod(3);
    pods.awaitReady(3);
    pods.awaitMembers("strata-0", "strata-1", "strata-2", "strata-3");
    assertThat(pods.etcdctl(3, 3, "get", "/deploy/key", "--print-value-only")).isEqualTo("one\n");

    // Any termination but a scale-down (a rolling update, an eviction) leaves the member in place.
    PodNetwork.Result kept = pods.preStop(1);
    assertThat(kept.exit()).as(kept.output()).isZero();
    assertThat(kept.output()).contains("not a scale-down");
    assertThat(pods.memberList(0)).hasSize(4);

    pods.writeReplicas(3);
    PodNetwork.Result removed = pods.preStop(3);
    assertThat(removed.exit()).as(removed.output()).isZero();
    assertThat(removed.output()).contains("scale-down to 3: removed member");
    Process leaving = pods.process(3);
    Waits.until("the removed member strata-3 to stop by itself", Duration.ofSeconds(30),
        () -> leaving.isAlive() ? null : leaving.exitValue());
    assertThat(leaving.exitValue()).isZero();
    pods.awaitMembers("strata-0", "strata-1", "strata-2");
    assertThat(pods.etcdctl(1, 1, "put", "/deploy/key", "two")).isEqualTo("OK\n");
    assertThat(pods.etcdctl(2, 2, "get", "/deploy/key", "--print-value-only")).isEqualTo("two\n");
    for (int k = 0; k < 3; k++) {
      assertThat(pods.httpStatus(k, "/readyz")).isEqualTo("200");
    }
  }

  @Test
  @Order(4)
  void a_pod_scaled_up_again_sets_the_removed_members_data_aside_and_joins_afresh() throws IOException {
    Path volume = pods.volume(3);
    assertThat(volume.resolve("data/db")).as("the volume kept the removed member's data").isDirectory();
    pods.writeReplicas(4);
    pods.startPod(3);
    pods.awaitReady(3);
    assertThat(Files.readString(pods.log(3))).contains("moved the removed member's data to /var/lib/strata/data.removed");
    assertThat(volume.resolve("data.removed/db")).isDirectory();
    pods.awaitMembers("strata-0", "strata-1", "strata-2", "strata-3");
    assertThat(pods.etcdctl(3, 3, "get", "/deploy/key", "--print-value-only")).isEqualTo("two\n");
  }

  @Test
  @Order(5)
  void a_pod_whose_data_was_lost_refuses_to_start_until_its_member_is_removed_then_rejoins() throws IOException {
    // strata-1 stops (its preStop keeps it: not a scale-down) and comes back with an empty volume.
    StatefulSetPods.stop(pods.process(1));
    Process gone = pods.process(1);
    assertThat(gone.isAlive()).isFalse();
    assertThat(pods.volume(1).resolve("data/db")).isDirectory();
    Backend.deleteTree(pods.volume(1).resolve("data")); // the volume was replaced
    pods.startPod(1);
    Process refused = pods.process(1);
    Waits.until("strata-1 to refuse to start on an empty data dir", Duration.ofSeconds(60),
        () -> refused.isAlive() ? null : refused.exitValue());
    assertThat(refused.exitValue()).isEqualTo(2);
    String id = member(pods.memberList(0), "strata-1").get("ID").getAsBigInteger().toString(16);
    assertThat(Files.readString(pods.log(1))).contains("its data was lost", "etcdctl member remove " + id);

    // The runbook's fix (deploy/runbooks/losing-a-member.md): remove the member; the pod rejoins.
    assertThat(pods.etcdctl(0, 0, "member", "remove", id)).contains("removed from cluster");
    pods.startPod(1);
    pods.awaitReady(1);
    pods.awaitMembers("strata-0", "strata-1", "strata-2", "strata-3");
    assertThat(pods.etcdctl(1, 1, "get", "/deploy/key", "--print-value-only")).isEqualTo("two\n");
  }
}
