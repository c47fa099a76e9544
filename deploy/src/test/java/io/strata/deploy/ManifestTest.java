package io.strata.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manifests in deploy/kubernetes parse as Kubernetes objects and fit together. A subclass runs
 * every check on other manifests ({@link TlsManifestTest}: the TLS overlay as kustomize renders it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManifestTest {
  private static final Manifests BASE = Manifests.load();

  /** The manifests under test. */
  Manifests manifests() {
    return BASE;
  }

  Stream<Manifests.Document> documents() {
    return manifests().documents().stream();
  }

  @ParameterizedTest(name = "{0} has only fields the Kubernetes schema knows")
  @MethodSource("documents")
  void everyManifestHasOnlyKnownFields(Manifests.Document document) {
    assertThat(Manifests.unknownFields(document.object()))
        .as("%s %s in %s", document.object().getKind(), document.object().getMetadata().getName(), document.file())
        .isEmpty();
    assertThat(document.object().getApiVersion()).isNotBlank();
    assertThat(document.object().getMetadata().getName()).isNotBlank();
  }

  @Test
  void theKustomizationListsEveryManifestAndNothingElse() {
    Map<String, Object> kustomization = Manifests.readYaml(manifests().directory().resolve("kustomization.yaml")).get(0);
    List<String> listed = new ArrayList<>();
    for (Object resource : (List<?>) kustomization.get("resources")) {
      listed.add(resource.toString());
    }
    assertThat(listed).containsExactlyInAnyOrderElementsOf(
        Manifests.manifestFiles(manifests().directory()).stream().map(p -> p.getFileName().toString()).toList());
  }

  @Test
  void theStatefulSetRunsThreeMembersUpdatedOneAtATime() {
    StatefulSet set = manifests().statefulSet();
    assertThat(set.getSpec().getReplicas()).isEqualTo(3);
    // Parallel: a member is ready only with a quorum, so OrderedReady would never create strata-1.
    assertThat(set.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    assertThat(set.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(set.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isZero();
    assertThat(set.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    assertThat(set.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(set.getSpec().getSelector().getMatchLabels());
    assertThat(environment().get(PodIdentity.INITIAL_CLUSTER_SIZE)).isEqualTo("3");
  }

  @Test
  void everyContainerHasProbesOnLivezAndReadyzAtTheMetricsPort() {
    // The probes speak the scheme of the metrics URL strata-pod gives the member (a kubelet probe
    // presents no client certificate, so that URL stays http when the others are https).
    PodIdentity pod = PodIdentity.fromEnvironment(environment());
    List<String> flags = pod.serverFlags("new", pod.initialCluster());
    String metricsScheme = java.net.URI.create(flags.get(flags.indexOf("--listen-metrics-urls") + 1)).getScheme();
    assertThat(metricsScheme).isEqualTo("http");
    for (Container container : manifests().statefulSet().getSpec().getTemplate().getSpec().getContainers()) {
      int metricsPort = port(container, "metrics");
      assertThat(metricsPort).isEqualTo(PodIdentity.METRICS_PORT);
      for (Probe probe : new Probe[] {container.getLivenessProbe(), container.getReadinessProbe(), container.getStartupProbe()}) {
        String probeScheme = probe == null || probe.getHttpGet().getScheme() == null ? "HTTP" : probe.getHttpGet().getScheme();
        assertThat(probeScheme).as("probe scheme").isEqualToIgnoringCase(metricsScheme);
      }
      assertHttpProbe(container, container.getLivenessProbe(), "/livez", metricsPort);
      assertHttpProbe(container, container.getReadinessProbe(), "/readyz", metricsPort);
      assertHttpProbe(container, container.getStartupProbe(), "/livez", metricsPort);
      assertThat(container.getStartupProbe().getFailureThreshold() * container.getStartupProbe().getPeriodSeconds())
          .as("the startup probe of %s waits as long as strata-pod waits for the cluster", container.getName())
          .isGreaterThanOrEqualTo(600);
    }
  }

  private static void assertHttpProbe(Container container, Probe probe, String path, int port) {
    assertThat(probe).as("%s probe on %s", container.getName(), path).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    IntOrString probePort = probe.getHttpGet().getPort();
    int resolved = probePort.getIntVal() != null ? probePort.getIntVal() : port(container, probePort.getStrVal());
    assertThat(resolved).as("%s probe port", path).isEqualTo(port);
    assertThat(probe.getTimeoutSeconds()).isPositive();
  }

  @Test
  void everyContainerHasResourceRequestsAndLimits() {
    for (Container container : containers()) {
      Map<String, Quantity> requests = container.getResources().getRequests();
      Map<String, Quantity> limits = container.getResources().getLimits();
      for (String resource : List.of("cpu", "memory")) {
        assertThat(requests).as("%s requests", container.getName()).containsKey(resource);
        assertThat(limits).as("%s limits", container.getName()).containsKey(resource);
        assertThat(limits.get(resource).getNumericalAmount())
            .as("%s %s limit >= request", container.getName(), resource)
            .isGreaterThanOrEqualTo(requests.get(resource).getNumericalAmount());
      }
    }
  }

  @Test
  void theServerRunsAsTheBootstrapWithAScaleDownHook() {
    Container server = manifests().serverContainer();
    assertThat(server.getCommand()).containsExactly("/opt/strata/bin/strata-pod", "run");
    assertThat(server.getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("/opt/strata/bin/strata-pod", "pre-stop");
    assertThat(port(server, "client")).isEqualTo(PodIdentity.CLIENT_PORT);
    assertThat(port(server, "peer")).isEqualTo(PodIdentity.PEER_PORT);
    assertThat(manifests().statefulSet().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
        .as("room for the preStop removal and a leader's hand-over").isGreaterThanOrEqualTo(30L);
  }

  @Test
  void theDataDirectoryIsOnTheClaimedVolume() {
    StatefulSet set = manifests().statefulSet();
    assertThat(set.getSpec().getVolumeClaimTemplates()).hasSize(1);
    String claim = set.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
    String dataDir = environment().get("STRATA_DATA_DIR");
    VolumeMount mount = manifests().serverContainer().getVolumeMounts().stream()
        .filter(m -> m.getName().equals(claim)).findFirst().orElseThrow(() -> new AssertionError("no mount of " + claim));
    assertThat(Path.of(dataDir).startsWith(Path.of(mount.getMountPath())))
        .as("data dir %s is under the volume mount %s", dataDir, mount.getMountPath()).isTrue();
    assertThat(Path.of(dataDir)).as("a directory of its own (the volume's root may hold lost+found)")
        .isNotEqualTo(Path.of(mount.getMountPath()));
    assertThat(set.getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests()).containsKey("storage");
  }

  @Test
  void podsRunAsNonRootOnAReadOnlyRootFilesystemWithAWritableTmp() {
    PodSpec pod = manifests().statefulSet().getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    for (Container container : containers()) {
      assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(container.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
    }
  }

  @Test
  void membersSpreadOverNodes() {
    StatefulSet set = manifests().statefulSet();
    List<PodAffinityTerm> terms = set.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution();
    assertThat(terms).anySatisfy(term -> {
      assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
      assertThat(set.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(term.getLabelSelector().getMatchLabels());
    });
  }

  @Test
  void theServicesSelectTheMembersAndNameTheirPorts() {
    StatefulSet set = manifests().statefulSet();
    Map<String, String> podLabels = set.getSpec().getTemplate().getMetadata().getLabels();
    Service peer = manifests().one(Service.class, set.getSpec().getServiceName());
    assertThat(peer.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(peer.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(environment().get(PodIdentity.PEER_SERVICE)).isEqualTo(peer.getMetadata().getName());
    Service client = manifests().one(Service.class, environment().get(PodIdentity.CLIENT_SERVICE));
    assertThat(client.getSpec().getClusterIP()).isNull();
    for (Service service : List.of(peer, client)) {
      assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
      for (ServicePort servicePort : service.getSpec().getPorts()) {
        int target = port(manifests().serverContainer(), servicePort.getTargetPort().getStrVal());
        assertThat(servicePort.getPort()).as("%s port %s", service.getMetadata().getName(), servicePort.getName())
            .isEqualTo(target);
      }
    }
    assertThat(client.getSpec().getPorts()).extracting(ServicePort::getPort).containsExactly(PodIdentity.CLIENT_PORT);
    assertThat(peer.getSpec().getPorts()).extracting(ServicePort::getPort)
        .contains(PodIdentity.PEER_PORT, PodIdentity.CLIENT_PORT, PodIdentity.METRICS_PORT);
  }

  @Test
  void theDisruptionBudgetKeepsTheQuorum() {
    StatefulSet set = manifests().statefulSet();
    PodDisruptionBudget budget = manifests().all(PodDisruptionBudget.class).get(0);
    assertThat(set.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    int replicas = set.getSpec().getReplicas();
    int unavailable = budget.getSpec().getMaxUnavailable().getIntVal();
    assertThat(replicas - unavailable).as("members left during a voluntary disruption").isGreaterThan(replicas / 2);
  }

  @Test
  void thePreStopHookMayReadItsStatefulSet() {
    StatefulSet set = manifests().statefulSet();
    String account = set.getSpec().getTemplate().getSpec().getServiceAccountName();
    RoleBinding binding = manifests().all(RoleBinding.class).stream()
        .filter(b -> b.getSubjects().stream().anyMatch(s -> s.getKind().equals("ServiceAccount") && s.getName().equals(account)))
        .findFirst().orElseThrow(() -> new AssertionError("no RoleBinding for service account " + account));
    Role role = manifests().one(Role.class, binding.getRoleRef().getName());
    List<PolicyRule> rules = role.getRules();
    assertThat(rules).anySatisfy(rule -> {
      assertThat(rule.getApiGroups()).contains("apps");
      assertThat(rule.getResources()).contains("statefulsets");
      assertThat(rule.getVerbs()).contains("get");
      assertThat(rule.getResourceNames()).contains(set.getMetadata().getName());
    });
  }

  @Test
  void noFailpointIsSwitchedOn() {
    assertThat(environment().keySet()).noneMatch(name -> name.contains("FAILPOINT"));
    for (ConfigMap map : manifests().all(ConfigMap.class)) {
      assertThat(map.getData().keySet()).noneMatch(name -> name.contains("FAILPOINT"));
    }
  }

  Map<String, String> environment() {
    return manifests().podEnvironment("strata-0", "default");
  }

  /** Containers and init containers. */
  List<Container> containers() {
    PodSpec pod = manifests().statefulSet().getSpec().getTemplate().getSpec();
    List<Container> all = new ArrayList<>(pod.getContainers());
    all.addAll(pod.getInitContainers());
    return all;
  }

  private static int port(Container container, String name) {
    return container.getPorts().stream().filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
        .findFirst().orElseThrow(() -> new AssertionError(container.getName() + " has no port named " + name));
  }
}
