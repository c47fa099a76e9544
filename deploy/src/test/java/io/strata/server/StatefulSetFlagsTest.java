package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.Member;
import io.strata.deploy.Manifests;
import io.strata.deploy.PodClientTls;
import io.strata.deploy.PodIdentity;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The flags and environment the StatefulSet gives each pod, read by the server's own parser
 * ({@link ServerConfig} through picocli and {@link EnvironmentDefaults}, {@link InitialCluster}):
 * each pod's advertised peer URL is its entry in {@code --initial-cluster}, every pod derives the
 * same cluster, and every STRATA_ variable the manifests set is one the server or the bootstrap
 * reads. In package {@code io.strata.server} to reach the server's package-private parser. A
 * subclass runs every check on other manifests ({@link StatefulSetTlsFlagsTest}: the TLS overlay).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatefulSetFlagsTest {
  private static final Manifests BASE = Manifests.load();
  static final String NAMESPACE = "prod";

  /** The manifests under test. */
  Manifests manifests() {
    return BASE;
  }

  /** The scheme of the client URLs these manifests give a member. */
  String clientScheme() {
    return "http";
  }

  /** The server's configuration of pod {@code podName}, as {@code strata-pod run} starts it on a new cluster. */
  ServerConfig configOf(String podName, String state, String initialCluster) {
    return configOf(manifests().podEnvironment(podName, NAMESPACE), state, initialCluster);
  }

  /** The server's configuration from a pod's environment, as {@code strata-pod run} starts it. */
  static ServerConfig configOf(Map<String, String> env, String state, String initialCluster) {
    PodIdentity pod = PodIdentity.fromEnvironment(env);
    ServerConfig config = new ServerConfig();
    CommandLine commandLine = new CommandLine(config);
    commandLine.setDefaultValueProvider(new EnvironmentDefaults(env));
    commandLine.parseArgs(pod.serverFlags(state, initialCluster == null ? pod.initialCluster() : initialCluster)
        .toArray(String[]::new));
    return config;
  }

  @ParameterizedTest(name = "{0}: its advertised peer URL is its own entry in --initial-cluster")
  @ValueSource(strings = {"strata-0", "strata-1", "strata-2"})
  void eachInitialPodIsItsOwnEntryInTheInitialCluster(String podName) {
    ServerConfig config = configOf(podName, "new", null);
    assertThat(config.name).isEqualTo(podName);
    InitialCluster cluster = InitialCluster.parse(config.effectiveInitialCluster(), config.initialClusterToken);
    Member self = cluster.memberNamed(config.name);
    assertThat(self.getPeerURLsList()).containsExactly(config.advertisedPeerUrl());
    String serviceName = manifests().statefulSet().getSpec().getServiceName();
    assertThat(URI.create(config.advertisedPeerUrl()).getHost())
        .isEqualTo(podName + "." + serviceName + "." + NAMESPACE + ".svc.cluster.local");
    assertThat(config.peerListenPort()).isEqualTo(PodIdentity.PEER_PORT);
    assertThat(URI.create(config.advertisedClientUrls().get(0)).getPort()).isEqualTo(PodIdentity.CLIENT_PORT);
    assertThat(URI.create(config.listenMetricsUrls).getPort()).isEqualTo(PodIdentity.METRICS_PORT);
    assertThat(config.clientUrls()).containsExactly(clientScheme() + "://0.0.0.0:" + PodIdentity.CLIENT_PORT);
    assertThat(config.effectiveDataDir().toString()).isEqualTo(manifests().podEnvironment(podName, NAMESPACE).get("STRATA_DATA_DIR"));
    assertThat(config.initialClusterToken).isEqualTo("strata");
  }

  @Test
  void everyInitialPodDerivesTheSameClusterWithDistinctMembers() {
    List<String> pods = List.of("strata-0", "strata-1", "strata-2");
    Set<Long> clusterIds = new HashSet<>();
    Set<Long> memberIds = new HashSet<>();
    for (String pod : pods) {
      ServerConfig config = configOf(pod, "new", null);
      InitialCluster cluster = InitialCluster.parse(config.effectiveInitialCluster(), config.initialClusterToken);
      assertThat(cluster.names()).containsExactlyElementsOf(pods);
      clusterIds.add(cluster.clusterId());
      memberIds.add(cluster.memberNamed(pod).getID());
    }
    assertThat(clusterIds).hasSize(1);
    assertThat(memberIds).hasSize(3);
  }

  @Test
  void aScaleUpPodJoinsWithAnInitialClusterTheServerAccepts() {
    // What PodBootstrap gives strata-3 after `member add`: the listed members (one not started yet,
    // so named by its id) and itself.
    PodIdentity pod = PodIdentity.fromEnvironment(manifests().podEnvironment("strata-3", NAMESPACE));
    String joining = "strata-0=" + pod.peerUrl(0) + ",strata-1=" + pod.peerUrl(1) + ",strata-2=" + pod.peerUrl(2)
        + ",strata-3=" + pod.peerUrl(3);
    ServerConfig config = configOf("strata-3", "existing", joining);
    assertThat(config.initialClusterState).isEqualTo("existing");
    InitialCluster cluster = InitialCluster.parse(config.effectiveInitialCluster(), config.initialClusterToken);
    Member self = cluster.memberNamed("strata-3");
    assertThat(self.getPeerURLsList()).containsExactly(config.advertisedPeerUrl());
    // The id the cluster gives a member added with this peer URL (ClusterService) is the one the
    // joining member computes for itself.
    assertThat(self.getID()).isEqualTo(InitialCluster.memberId(List.of(pod.peerUrl()), config.initialClusterToken));
    assertThat(pod.initialMember()).isFalse();
  }

  @Test
  void everyStrataVariableTheManifestsSetIsReadBySomeone() {
    Set<String> serverVariables = new CommandLine(new ServerConfig()).getCommandSpec().options().stream()
        .map(OptionSpec::longestName).map(EnvironmentDefaults::variableFor).collect(Collectors.toSet());
    Set<String> bootstrapVariables = Set.of(PodIdentity.PEER_SERVICE, PodIdentity.CLIENT_SERVICE,
        PodIdentity.CLUSTER_DOMAIN, PodIdentity.INITIAL_CLUSTER_SIZE,
        PodClientTls.CERT_FILE, PodClientTls.KEY_FILE, PodClientTls.TRUSTED_CA_FILE,
        // JVM options, read by the image's launchers (deploy/docker/bin) like bin/strata does.
        "STRATA_JAVA_OPTS");
    List<String> unknown = new ArrayList<>();
    for (String variable : manifests().podEnvironment("strata-0", NAMESPACE).keySet()) {
      if (variable.startsWith("STRATA_") && !serverVariables.contains(variable) && !bootstrapVariables.contains(variable)) {
        unknown.add(variable);
      }
    }
    assertThat(unknown).as("STRATA_ variables no one reads (a misspelled flag is silently ignored)").isEmpty();
  }

  @Test
  void theBootstrapSetsThePerPodFlagsSoTheManifestsDoNot() {
    Set<String> perPod = Set.of("--name", "--listen-client-urls", "--advertise-client-urls", "--listen-peer-urls",
        "--initial-advertise-peer-urls", "--listen-metrics-urls", "--initial-cluster", "--initial-cluster-state");
    Map<String, String> env = manifests().podEnvironment("strata-0", NAMESPACE);
    for (String flag : perPod) {
      assertThat(env).as("%s comes from the pod's name, not the environment", flag)
          .doesNotContainKey(EnvironmentDefaults.variableFor(flag));
    }
    PodIdentity pod = PodIdentity.fromEnvironment(env);
    List<String> flags = pod.serverFlags("new", pod.initialCluster());
    Set<String> given = new HashSet<>();
    for (int i = 0; i < flags.size(); i += 2) {
      given.add(flags.get(i));
    }
    assertThat(given).isEqualTo(perPod);
  }
}
