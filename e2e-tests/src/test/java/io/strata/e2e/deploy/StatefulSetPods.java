package io.strata.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.strata.deploy.Manifests;
import io.strata.deploy.PodIdentity;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Waits;
import io.strata.storage.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Strata members started exactly as a StatefulSet's manifests start their pods, without a
 * Kubernetes cluster: each "pod" is a network namespace of its own ({@link PodNetwork}) with the
 * pod DNS names of the headless Service in its hosts file, runs the image's entrypoint
 * {@code deploy/docker/bin/strata-pod run} with the environment Kubernetes would give it (read
 * from the manifests: ConfigMap, downward API, {@code $(VAR)} expansion), and has its "volume"
 * bind-mounted at the manifest's mount path {@code /var/lib/strata} (and any other directory
 * given to {@link #mount}, e.g. a Secret's, at its mount path). So every member listens on
 * 2379/2380/2381 on all interfaces and advertises {@code strata-N.strata-peer.default.svc...}.
 *
 * <p>What differs from a cluster, and why: the classpath (the build's, through
 * {@code STRATA_CLASSPATH}, instead of the image's jars), the JVM heap (256 MB: the machine is
 * shared; in a pod the memory limit sizes it), the Kubernetes API (a stand-in process answers
 * the StatefulSet's replicas, {@link StatefulSetApiStandIn}), the client Service's name (it
 * resolves to strata-0, which stays ready throughout), and the preStop hook (the test runs
 * {@code strata-pod pre-stop} in the pod's namespace, as the kubelet would before SIGTERM).
 *
 * <p>Needs root (network and mount namespaces). Threading: one test thread drives it;
 * {@link #close} may also run from a shutdown hook.
 */
final class StatefulSetPods implements AutoCloseable {
  static final String NAMESPACE = "default";
  private static final String API_PORT = "8080";
  private static final Path VOLUME_MOUNT = Path.of("/var/lib/strata");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Manifests manifests;
  private final List<PodIdentity> identities = new ArrayList<>();
  private final Process[] pods;
  /** Every pod process ever started, so that cleanup stops even those a failed step left behind. */
  private final List<Process> started = new CopyOnWriteArrayList<>();
  private final Path runDir;
  private final Path strataPod = Path.of("").toAbsolutePath().resolveSibling("deploy").resolve("docker/bin/strata-pod");
  private final String classpath = System.getProperty("java.class.path");
  /** Directory on this machine -> where each pod sees it; the volume's is added per pod. */
  private final Map<Path, Path> mounts = new LinkedHashMap<>();
  /** Mount points this run created on the machine (removed at close). */
  private final List<Path> createdMountPoints = new ArrayList<>();
  private final List<String> etcdctlOptions = new ArrayList<>();
  private final PodNetwork network;
  private final Process api;
  private final Thread killOnExit;
  private boolean closed;

  /**
   * The pod network for {@code podCount} pods of {@code manifests}' StatefulSet, and the stand-in
   * Kubernetes API answering replicas 3. Run files go under {@code target/e2e-runs/<name>-<time>}.
   */
  StatefulSetPods(Manifests manifests, String name, int podCount) throws IOException {
    String unavailable = PodNetwork.unavailableReason();
    if (unavailable != null) {
      throw new AssertionError("the pod test " + unavailable);
    }
    this.manifests = manifests;
    this.pods = new Process[podCount];
    this.runDir = Path.of(System.getProperty("strata.e2e.workdir", "target/e2e-runs"))
        .resolve(name + "-" + System.currentTimeMillis()).toAbsolutePath();
    Files.createDirectories(runDir);
    for (int k = 0; k < podCount; k++) {
      identities.add(PodIdentity.fromEnvironment(manifests.podEnvironment("strata-" + k, NAMESPACE)));
    }
    String service = identities.get(0).clientServiceHost();
    network = PodNetwork.create(podCount, k -> k == 0 ? List.of(identities.get(k).host(k), service)
        : List.of(identities.get(k).host(k)));
    killOnExit = new Thread(this::stopEverything, name + "-cleanup");
    Runtime.getRuntime().addShutdownHook(killOnExit);
    createMountPoint(VOLUME_MOUNT); // each pod mounts its own volume here, in its own mount namespace
    writeReplicas(3);
    api = new ProcessBuilder(PodNetwork.command(network.hub(), List.of(java(), "-Xmx32m", "-XX:+UseSerialGC",
            "-cp", classpath, StatefulSetApiStandIn.class.getName(), PodNetwork.HUB_ADDRESS, API_PORT, NAMESPACE,
            "strata", runDir.resolve("replicas").toString())))
        .redirectErrorStream(true).redirectOutput(runDir.resolve("kubernetes-api.log").toFile()).start();
  }

  Path runDir() {
    return runDir;
  }

  PodIdentity identity(int k) {
    return identities.get(k);
  }

  Process process(int k) {
    return pods[k];
  }

  Path volume(int k) {
    return runDir.resolve("volume-strata-" + k);
  }

  Path log(int k) {
    return runDir.resolve("strata-" + k + ".log");
  }

  /** Every pod started from now on sees {@code source} (read-only) at {@code mountPath}, e.g. a Secret. */
  void mount(Path source, Path mountPath) throws IOException {
    createMountPoint(mountPath);
    mounts.put(source.toAbsolutePath(), mountPath);
  }

  /** Options every etcdctl call of this run gets (e.g. its TLS files). */
  void etcdctlOptions(String... options) {
    etcdctlOptions.addAll(List.of(options));
  }

  /** Creates {@code mountPoint} if it is missing, remembering each directory created. */
  private void createMountPoint(Path mountPoint) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path dir = mountPoint; dir != null && !Files.exists(dir); dir = dir.getParent()) {
      missing.add(dir);
    }
    Files.createDirectories(mountPoint);
    createdMountPoints.addAll(missing);
  }

  // --- pods ---

  Map<String, String> podEnvironment(int k) {
    Map<String, String> env = new HashMap<>(manifests.podEnvironment("strata-" + k, NAMESPACE));
    env.put("STRATA_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    env.put("STRATA_CLASSPATH", classpath);
    env.put("STRATA_POD_KUBERNETES_API", "http://" + PodNetwork.HUB_ADDRESS + ":" + API_PORT);
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
    return env;
  }

  /** The container's command, with the pod's volume (and every {@link #mount}) where the manifest mounts it. */
  void startPod(int k) {
    if (pods[k] != null && pods[k].isAlive()) {
      throw new IllegalStateException("strata-" + k + " is still running");
    }
    try {
      Files.createDirectories(volume(k));
      StringBuilder script = new StringBuilder("mount --bind '" + volume(k) + "' " + VOLUME_MOUNT);
      mounts.forEach((source, target) -> script.append(" && mount --bind -o ro '").append(source).append("' '")
          .append(target).append("'"));
      script.append(" && exec \"$0\" \"$@\"");
      ProcessBuilder builder = new ProcessBuilder(PodNetwork.command(network.pod(k), List.of("sh", "-c",
          script.toString(), strataPod.toString(), "run")))
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

  void awaitReady(int k) {
    Process pod = pods[k];
    Waits.until("strata-" + k + " to be ready (/readyz 200)", START_TIMEOUT,
        () -> httpStatus(k, "/readyz").equals("200") ? true : null,
        () -> pod.isAlive() ? null : "strata-" + k + " exited with " + pod.exitValue() + "; see " + log(k));
  }

  /** The container's preStop hook, run in the pod as the kubelet runs it (with the pod's mounts). */
  PodNetwork.Result preStop(int k) {
    StringBuilder script = new StringBuilder("true");
    mounts.forEach((source, target) -> script.append(" && mount --bind -o ro '").append(source).append("' '")
        .append(target).append("'"));
    script.append(" && exec \"$0\" \"$@\"");
    return PodNetwork.exec(PodNetwork.command(network.pod(k), List.of("sh", "-c", script.toString(),
        strataPod.toString(), "pre-stop")), podEnvironment(k), Duration.ofSeconds(60));
  }

  void writeReplicas(int replicas) {
    try {
      Files.writeString(runDir.resolve("replicas"), Integer.toString(replicas));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the run; its directory (pod logs, volumes) is kept under target/e2e-runs when {@code keepRunDir}. */
  void close(boolean keepRunDir) {
    stopEverything();
    Runtime.getRuntime().removeShutdownHook(killOnExit);
    if (!keepRunDir) {
      Backend.deleteTree(runDir);
    }
  }

  @Override
  public void close() {
    close(false);
  }

  private synchronized void stopEverything() {
    if (closed) {
      return;
    }
    closed = true;
    started.forEach(Process::destroy); // SIGTERM, as the kubelet sends it
    started.forEach(StatefulSetPods::stop);
    stop(api);
    network.close();
    createdMountPoints.sort(java.util.Comparator.comparingInt(Path::getNameCount).reversed());
    for (Path dir : createdMountPoints) {
      // Empty on this machine: the mounts lived in the pods' mount namespaces.
      dir.toFile().delete();
    }
  }

  static void stop(Process process) {
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
  String etcdctl(int from, int to, String... args) {
    return etcdctlAt(from, identities.get(to).clientUrl(to), args);
  }

  /** etcdctl through the client Service's name, with the scheme of the members' client URLs. */
  String etcdctlThroughService(int from, String... args) {
    PodIdentity pod = identities.get(from);
    return etcdctlAt(from, pod.clientScheme() + "://" + pod.clientServiceHost() + ":" + PodIdentity.CLIENT_PORT, args);
  }

  String etcdctlAt(int from, String endpoint, String... args) {
    PodNetwork.Result result = etcdctlResult(from, endpoint, etcdctlOptions, args);
    assertThat(result.exit()).as("etcdctl %s: %s", String.join(" ", args), result.output()).isZero();
    return result.output();
  }

  /** etcdctl with {@code options} (instead of the run's), whatever its exit and output. */
  PodNetwork.Result etcdctlResult(int from, String endpoint, List<String> options, String... args) {
    List<String> command = new ArrayList<>(List.of(Etcdctl.binary().toString(), "--endpoints=" + endpoint,
        "--command-timeout=5s", "--dial-timeout=2s"));
    command.addAll(options);
    command.addAll(List.of(args));
    return PodNetwork.exec(PodNetwork.command(network.pod(from), command), Map.of("ETCDCTL_API", "3"), Duration.ofSeconds(20));
  }

  JsonArray memberList(int from) {
    String json = etcdctl(from, from, "member", "list", "-w", "json");
    return JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("members");
  }

  /** The member list names exactly these members (a started member publishes its name shortly after it is ready). */
  void awaitMembers(String... names) {
    Waits.until("the member list to name " + List.of(names), Duration.ofSeconds(30), () -> {
      List<String> listed = names(memberList(0));
      assertThat(listed).containsExactlyInAnyOrder(names);
      return listed;
    });
  }

  static JsonObject member(JsonArray members, String name) {
    for (JsonElement member : members) {
      if (member.getAsJsonObject().has("name") && member.getAsJsonObject().get("name").getAsString().equals(name)) {
        return member.getAsJsonObject();
      }
    }
    throw new AssertionError("no member named " + name + " in " + members);
  }

  static List<String> names(JsonArray members) {
    List<String> names = new ArrayList<>();
    members.forEach(m -> names.add(m.getAsJsonObject().has("name") ? m.getAsJsonObject().get("name").getAsString() : ""));
    return names;
  }

  static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.getAsString()));
    return out;
  }

  /** HTTP status of {@code path} on pod k's metrics port, asked from inside the pod (as the kubelet's probe). */
  String httpStatus(int k, String path) {
    return curl(k, "-o", "/dev/null", "-w", "%{http_code}",
        "http://" + identities.get(k).host(k) + ":" + PodIdentity.METRICS_PORT + path).trim();
  }

  /** curl in pod k's namespace; its output. */
  String curl(int k, String... args) {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-m", "3"));
    command.addAll(List.of(args));
    return run(k, command).output();
  }

  /** {@code command} in pod k's network namespace. */
  PodNetwork.Result run(int k, List<String> command) {
    return PodNetwork.exec(PodNetwork.command(network.pod(k), command), Map.of(), Duration.ofSeconds(10));
  }

  private static String java() {
    return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
  }
}
