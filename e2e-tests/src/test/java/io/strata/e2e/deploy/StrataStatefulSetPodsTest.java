package io.strata.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.strata.deploy.Manifests;
import io.strata.deploy.MetricReferences;
import io.strata.deploy.PodIdentity;
import io.strata.e2e.harness.Etcdctl;
import io.strata.storage.Backend;
import io.strata.e2e.harness.Waits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
 * without a Kubernetes cluster: each "pod" is a network namespace of its own ({@link PodNetwork})
 * with the pod DNS names of the headless Service in its hosts file, runs the image's entrypoint
 * {@code deploy/docker/bin/strata-pod run} with the environment Kubernetes would give it (read
 * from the manifests: ConfigMap, downward API, {@code $(VAR)} expansion), and has its "volume"
 * bind-mounted at the manifest's mount path {@code /var/lib/strata}. So every member listens on
 * 2379/2380/2381 on all interfaces and advertises {@code strata-N.strata-peer.default.svc...}.
 *
 * <p>What differs from a cluster, and why: the classpath (the build's, through
 * {@code STRATA_CLASSPATH}, instead of the image's jars), the JVM heap (256 MB: the machine is
 * shared; in a pod the memory limit sizes it), the Kubernetes API (a stand-in process answers
 * the StatefulSet's replicas, {@link StatefulSetApiStandIn}), the client Service's name (it
 * resolves to strata-0, which stays ready throughout), and the preStop hook (the test runs
 * {@code strata-pod pre-stop} in the pod's namespace, as the kubelet would before SIGTERM).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StrataStatefulSetPodsTest {
  private static final String NAMESPACE = "default";
  /** strata-0..2 (the initial cluster) and strata-3 (a scale-up). */
  private static final int PODS = 4;
  private static final String API_PORT = "8080";
  private static final Path VOLUME_MOUNT = Path.of("/var/lib/strata");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Manifests manifests = Manifests.load();
  private final List<PodIdentity> identities = new ArrayList<>();
  private final Process[] pods = new Process[PODS];
  /** Every pod process ever started, so that cleanup stops even those a failed step left behind. */
  private final List<Process> started = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Path runDir = Path.of(System.getProperty("strata.e2e.workdir", "target/e2e-runs"))
      .resolve("statefulset-pods-" + System.currentTimeMillis()).toAbsolutePath();
  private final Path strataPod = Path.of("").toAbsolutePath().resolveSibling("deploy").resolve("docker/bin/strata-pod");
  private final String classpath = System.getProperty("java.class.path");
  private PodNetwork network;
  private Process api;
  private volatile boolean failed;

  /** A failed run keeps its directory (pod logs, volumes) under target/e2e-runs; a passing one deletes it. */
  @RegisterExtension
  final TestWatcher keepFailedRuns = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      failed = true;
    }
  };
  private boolean createdMountPoint;
  private Thread killOnExit;

  @BeforeAll
  void createPodNetwork() throws IOException {
    String unavailable = PodNetwork.unavailableReason();
    if (unavailable != null) {
      throw new AssertionError("the pod test " + unavailable);
    }
    Files.createDirectories(runDir);
    for (int k = 0; k < PODS; k++) {
      identities.add(PodIdentity.fromEnvironment(manifests.podEnvironment("strata-" + k, NAMESPACE)));
    }
    String service = identities.get(0).clientServiceHost();
    network = PodNetwork.create(PODS, k -> k == 0 ? List.of(identities.get(k).host(k), service)
        : List.of(identities.get(k).host(k)));
    killOnExit = new Thread(this::stopEverything, "statefulset-pods-cleanup");
    Runtime.getRuntime().addShutdownHook(killOnExit);
    if (!Files.exists(VOLUME_MOUNT)) {
      Files.createDirectories(VOLUME_MOUNT); // each pod mounts its own volume here, in its own mount namespace
      createdMountPoint = true;
    }
    writeReplicas(3);
    api = new ProcessBuilder(PodNetwork.command(network.hub(), List.of(java(), "-Xmx32m", "-XX:+UseSerialGC",
            "-cp", classpath, StatefulSetApiStandIn.class.getName(), PodNetwork.HUB_ADDRESS, API_PORT, NAMESPACE,
            "strata", runDir.resolve("replicas").toString())))
        .redirectErrorStream(true).redirectOutput(runDir.resolve("kubernetes-api.log").toFile()).start();
  }

  @AfterAll
  void removePodNetwork() {
    stopEverything();
    if (killOnExit != null) {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    }
    if (!failed) {
      Backend.deleteTree(runDir);
    }
  }

  @Test
  @Order(1)
  void three_pods_configured_by_the_manifests_form_one_cluster() {
    for (int k = 0; k < 3; k++) {
      startPod(k); // podManagementPolicy: Parallel
    }
    for (int k = 0; k < 3; k++) {
      awaitReady(k);
    }
    awaitMembers("strata-0", "strata-1", "strata-2");
    JsonArray members = memberList(0);
    for (int k = 0; k < 3; k++) {
      JsonObject member = member(members, "strata-" + k);
      assertThat(strings(member.getAsJsonArray("peerURLs"))).containsExactly(identities.get(k).peerUrl());
      assertThat(strings(member.getAsJsonArray("clientURLs"))).containsExactly(identities.get(k).clientUrl(k));
    }
    assertThat(etcdctl(0, 0, "put", "/deploy/key", "one")).isEqualTo("OK\n");
    assertThat(etcdctl(2, 2, "get", "/deploy/key", "--print-value-only")).isEqualTo("one\n");
    assertThat(etcdctlThroughService(1, "get", "/deploy/key", "--print-value-only")).isEqualTo("one\n");
  }

  @Test
  @Order(2)
  void every_metric_the_dashboard_and_alerts_read_is_in_a_members_scrape() {
    String scrape = curl(0, "http://" + identities.get(0).host(0) + ":" + PodIdentity.METRICS_PORT + "/metrics");
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
    writeReplicas(4);
    startPod(3);
    awaitReady(3);
    awaitMembers("strata-0", "strata-1", "strata-2", "strata-3");
    assertThat(etcdctl(3, 3, "get", "/deploy/key", "--print-value-only")).isEqualTo("one\n");

    // Any termination but a scale-down (a rolling update, an eviction) leaves the member in place.
    PodNetwork.Result kept = preStop(1);
    assertThat(kept.exit()).as(kept.output()).isZero();
    assertThat(kept.output()).contains("not a scale-down");
    assertThat(memberList(0)).hasSize(4);

    writeReplicas(3);
    PodNetwork.Result removed = preStop(3);
    assertThat(removed.exit()).as(removed.output()).isZero();
    assertThat(removed.output()).contains("scale-down to 3: removed member");
    Process leaving = pods[3];
    Waits.until("the removed member strata-3 to stop by itself", Duration.ofSeconds(30),
        () -> leaving.isAlive() ? null : leaving.exitValue());
    assertThat(leaving.exitValue()).isZero();
    awaitMembers("strata-0", "strata-1", "strata-2");
    assertThat(etcdctl(1, 1, "put", "/deploy/key", "two")).isEqualTo("OK\n");
    assertThat(etcdctl(2, 2, "get", "/deploy/key", "--print-value-only")).isEqualTo("two\n");
    for (int k = 0; k < 3; k++) {
      assertThat(httpStatus(k, "/readyz")).isEqualTo("200");
    }
  }

  @Test
  @Order(4)
  void a_pod_scaled_up_again_sets_the_removed_members_data_aside_and_joins_afresh() throws IOException {
    Path volume = volume(3);
    assertThat(volume.resolve("data/db")).as("the volume kept the removed member's data").isDirectory();
    writeReplicas(4);
    startPod(3);
    awaitReady(3);
    assertThat(Files.readString(log(3))).contains("moved the removed member's data to /var/lib/strata/data.removed");
    assertThat(volume.resolve("data.removed/db")).isDirectory();
    awaitMembers("strata-0", "strata-1", "strata-2", "strata-3");
    assertThat(etcdctl(3, 3, "get", "/deploy/key", "--print-value-only")).isEqualTo("two\n");
  }

  @Test
  @Order(5)
  void a_pod_whose_data_was_lost_refuses_to_start_until_its_member_is_removed_then_rejoins() throws IOException {
    // strata-1 stops (its preStop keeps it: not a scale-down) and comes back with an empty volume.
    stop(pods[1]);
    Process gone = pods[1];
    assertThat(gone.isAlive()).isFalse();
    assertThat(volume(1).resolve("data/db")).isDirectory();
    Backend.deleteTree(volume(1).resolve("data")); // the volume was replaced
    startPod(1);
    Process refused = pods[1];
    Waits.until("strata-1 to refuse to start on an empty data dir", Duration.ofSeconds(60),
        () -> refused.isAlive() ? null : refused.exitValue());
    assertThat(refused.exitValue()).isEqualTo(2);
    String id = member(memberList(0), "strata-1").get("ID").getAsBigInteger().toString(16);
    assertThat(Files.readString(log(1))).contains("its data was lost", "etcdctl member remove " + id);

    // The runbook's fix (deploy/runbooks/losing-a-member.md): remove the member; the pod rejoins.
    assertThat(etcdctl(0, 0, "member", "remove", id)).contains("removed from cluster");
    startPod(1);
    awaitReady(1);
    awaitMembers("strata-0", "strata-1", "strata-2", "strata-3");
    assertThat(etcdctl(1, 1, "get", "/deploy/key", "--print-value-only")).isEqualTo("two\n");
  }

  // --- pods ---

  private Map<String, String> podEnvironment(int k) {
    Map<String, String> env = new HashMap<>(manifests.podEnvironment("strata-" + k, NAMESPACE));
    env.put("STRATA_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    env.put("STRATA_CLASSPATH", classpath);
    env.put("STRATA_POD_KUBERNETES_API", "http://" + PodNetwork.HUB_ADDRESS + ":" + API_PORT);
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    return env;
  }

  private Path volume(int k) {
    return runDir.resolve("volume-strata-" + k);
  }

  private Path log(int k) {
    return runDir.resolve("strata-" + k + ".log");
  }

  /** The container's command, with the pod's volume mounted where the manifest mounts it. */
  private void startPod(int k) {
    if (pods[k] != null && pods[k].isAlive()) {
      throw new IllegalStateException("strata-" + k + " is still running");
    }
    try {
      Files.createDirectories(volume(k));
      ProcessBuilder builder = new ProcessBuilder(PodNetwork.command(network.pod(k), List.of("sh", "-c",
          "mount --bind '" + volume(k) + "' " + VOLUME_MOUNT + " && exec \"$0\" \"$@\"", strataPod.toString(), "run")))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log(k).toFile()));
      builder.environment().clear();
      builder.environment().putAll(podEnvironment(k));
      pods[k] = builder.start();
      started.add(pods[k]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady(int k) {
    Process pod = pods[k];
    Waits.until("strata-" + k + " to be ready (/readyz 200)", START_TIMEOUT,
        () -> httpStatus(k, "/readyz").equals("200") ? true : null,
        () -> pod.isAlive() ? null : "strata-" + k + " exited with " + pod.exitValue() + "; see " + log(k));
  }

  /** The container's preStop hook, run in the pod as the kubelet runs it. */
  private PodNetwork.Result preStop(int k) {
    return PodNetwork.exec(PodNetwork.command(network.pod(k), List.of(strataPod.toString(), "pre-stop")),
        podEnvironment(k), Duration.ofSeconds(60));
  }

  private void writeReplicas(int replicas) {
    try {
      Files.writeString(runDir.resolve("replicas"), Integer.toString(replicas));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private synchronized void stopEverything() {
    started.forEach(Process::destroy); // SIGTERM, as the kubelet sends it
    started.forEach(StrataStatefulSetPodsTest::stop);
    stop(api);
    if (network != null) {
      network.close();
    }
    if (createdMountPoint) {
      VOLUME_MOUNT.toFile().delete();
      createdMountPoint = false;
    }
  }

  private static void stop(Process process) {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // --- clients, from inside a pod's namespace ---

  /** etcdctl (Debian's) in pod {@code from}'s namespace against pod {@code to}'s advertised client URL; its output. */
  private String etcdctl(int from, int to, String... args) {
    return etcdctlAt(from, identities.get(to).clientUrl(to), args);
  }

  private String etcdctlThroughService(int from, String... args) {
    return etcdctlAt(from, "http://" + identities.get(from).clientServiceHost() + ":" + PodIdentity.CLIENT_PORT, args);
  }

  private String etcdctlAt(int from, String endpoint, String... args) {
    List<String> command = new ArrayList<>(List.of(Etcdctl.binary().toString(), "--endpoints=" + endpoint,
        "--command-timeout=5s", "--dial-timeout=2s"));
    command.addAll(List.of(args));
    PodNetwork.Result result = PodNetwork.exec(PodNetwork.command(network.pod(from), command),
        Map.of("ETCDCTL_API", "3"), Duration.ofSeconds(20));
    assertThat(result.exit()).as("etcdctl %s: %s", String.join(" ", args), result.output()).isZero();
    return result.output();
  }

  private JsonArray memberList(int from) {
    String json = etcdctl(from, from, "member", "list", "-w", "json");
    return JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("members");
  }

  /** The member list names exactly these members (a started member publishes its name shortly after it is ready). */
  private void awaitMembers(String... names) {
    Waits.until("the member list to name " + List.of(names), Duration.ofSeconds(30), () -> {
      List<String> listed = names(memberList(0));
      assertThat(listed).containsExactlyInAnyOrder(names);
      return listed;
    });
  }

  private static JsonObject member(JsonArray members, String name) {
    for (JsonElement member : members) {
      if (member.getAsJsonObject().has("name") && member.getAsJsonObject().get("name").getAsString().equals(name)) {
        return member.getAsJsonObject();
      }
    }
    throw new AssertionError("no member named " + name + " in " + members);
  }

  private static List<String> names(JsonArray members) {
    List<String> names = new ArrayList<>();
    members.forEach(m -> names.add(m.getAsJsonObject().has("name") ? m.getAsJsonObject().get("name").getAsString() : ""));
    return names;
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.getAsString()));
    return out;
  }

  /** HTTP status of {@code path} on pod k's metrics port, asked from inside the pod (as the kubelet's probe). */
  private String httpStatus(int k, String path) {
    return curl(k, "-o", "/dev/null", "-w", "%{http_code}",
        "http://" + identities.get(k).host(k) + ":" + PodIdentity.METRICS_PORT + path).trim();
  }

  String curl(int k, String... args) {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-m", "3"));
    command.addAll(List.of(args));
    return PodNetwork.exec(PodNetwork.command(network.pod(k), command), Map.of(), Duration.ofSeconds(10)).output();
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
  }
}
