package io.strata.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The TLS overlay ({@code deploy/kubernetes-tls}) as kustomize renders it: every check of
 * {@link ManifestTest} (probes, resources, security, services, ...) on the rendered manifests,
 * plus what TLS adds: https URLs, the Secrets mounted where the flags point, and certificates (in
 * the cert-manager example) whose names cover every address a client or peer dials.
 */
class TlsManifestTest extends ManifestTest {
  private static final Manifests TLS = Manifests.build(Manifests.tlsOverlayDirectory());
  private static final String NAMESPACE = "default";
  /** The server's and strata-pod's variables that name TLS files. */
  private static final Set<String> FILE_VARIABLES = Set.of("STRATA_CERT_FILE", "STRATA_KEY_FILE",
      "STRATA_TRUSTED_CA_FILE", "STRATA_PEER_CERT_FILE", "STRATA_PEER_KEY_FILE", "STRATA_PEER_TRUSTED_CA_FILE",
      PodClientTls.CERT_FILE, PodClientTls.KEY_FILE, PodClientTls.TRUSTED_CA_FILE);

  @Override
  Manifests manifests() {
    return TLS;
  }

  @Override
  @Test
  void theKustomizationListsEveryManifestAndNothingElse() {
    Map<String, Object> kustomization = Manifests.readYaml(TLS.directory().resolve("kustomization.yaml")).get(0);
    assertThat(kustomization.get("resources")).isEqualTo(List.of("../kubernetes"));
    List<String> patches = ((List<?>) kustomization.get("patches")).stream()
        .map(p -> ((Map<?, ?>) p).get("path").toString()).toList();
    List<String> files = new ArrayList<>(patches);
    files.add("cert-manager.yaml"); // the documented example, applied by hand
    assertThat(Manifests.manifestFiles(TLS.directory()).stream().map(p -> p.getFileName().toString()).toList())
        .containsExactlyInAnyOrderElementsOf(files);
  }

  @Test
  void rendersTheBaseAsItIsApartFromTheStatefulSetsEnvironmentAndTlsVolumes() {
    Manifests base = Manifests.build(Manifests.defaultDirectory());
    assertThat(TLS.documents()).extracting(d -> d.object().getKind() + "/" + d.object().getMetadata().getName())
        .containsExactlyElementsOf(base.documents().stream()
            .map(d -> d.object().getKind() + "/" + d.object().getMetadata().getName()).toList());
    for (int i = 0; i < base.documents().size(); i++) {
      if (!base.documents().get(i).object().getKind().equals("StatefulSet")) {
        assertThat(TLS.documents().get(i).raw()).isEqualTo(base.documents().get(i).raw());
      }
    }
    Container plain = base.serverContainer();
    Container tls = TLS.serverContainer();
    assertThat(TLS.statefulSet().getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
    assertThat(tls.getEnv()).containsAll(plain.getEnv());
    assertThat(tls.getVolumeMounts()).containsAll(plain.getVolumeMounts());
    assertThat(tls.getLivenessProbe()).isEqualTo(plain.getLivenessProbe());
    assertThat(tls.getReadinessProbe()).isEqualTo(plain.getReadinessProbe());
    assertThat(tls.getStartupProbe()).isEqualTo(plain.getStartupProbe());
    assertThat(tls.getResources()).isEqualTo(plain.getResources());
    assertThat(tls.getCommand()).isEqualTo(plain.getCommand());
  }

  @Test
  void theRendererBuildsTheBaseAsItsFilesWithTheKustomizationsLabels() {
    Manifests files = Manifests.load();
    Manifests built = Manifests.build(Manifests.defaultDirectory());
    assertThat(built.documents()).hasSameSizeAs(files.documents());
    for (Manifests.Document file : files.documents()) {
      Map<String, String> labels = new LinkedHashMap<>(file.object().getMetadata().getLabels());
      labels.put("app.kubernetes.io/part-of", "strata");
      Manifests.Document rendered = built.documents().stream()
          .filter(d -> d.object().getKind().equals(file.object().getKind())
              && d.object().getMetadata().getName().equals(file.object().getMetadata().getName()))
          .findFirst().orElseThrow(() -> new AssertionError("not rendered: " + file));
      assertThat(rendered.object().getMetadata().getLabels()).as("%s", file).isEqualTo(labels);
    }
    assertThat(built.statefulSet().getSpec()).isEqualTo(files.statefulSet().getSpec());
  }

  @Test
  @SuppressWarnings("unchecked")
  void theStrategicMergeMergesListsOnTheirKeysAndReplacesTheRest() {
    Map<String, Object> base = Map.of("containers", List.of(
        Map.of("name", "a", "command", List.of("x", "y"), "env", List.of(Map.of("name", "A", "value", "1"))),
        Map.of("name", "b")));
    Map<String, Object> patch = Map.of("containers", List.of(
        Map.of("name", "a", "command", List.of("z"), "env", List.of(Map.of("name", "A", "value", "2"), Map.of("name", "B", "value", "3")))));
    Map<String, Object> merged = (Map<String, Object>) Manifests.strategicMerge(base, patch, "");
    List<Map<String, Object>> containers = (List<Map<String, Object>>) merged.get("containers");
    assertThat(containers).extracting(c -> c.get("name")).containsExactly("a", "b");
    assertThat(containers.get(0).get("command")).isEqualTo(List.of("z"));
    assertThat(containers.get(0).get("env")).isEqualTo(List.of(Map.of("name", "A", "value", "2"), Map.of("name", "B", "value", "3")));
    assertThatThrownBy(() -> Manifests.strategicMerge(base, Map.of("$patch", "replace"), ""))
        .hasMessageContaining("not modelled");
  }

  @Test
  void everyPodsClientAndPeerUrlsAreHttpsAndItsOwnCallsUseItsClientCertificate() {
    for (int k = 0; k < 4; k++) {
      Map<String, String> env = TLS.podEnvironment("strata-" + k, NAMESPACE);
      PodIdentity pod = PodIdentity.fromEnvironment(env);
      List<String> flags = pod.serverFlags("new", pod.initialCluster());
      for (String flag : List.of("--listen-client-urls", "--advertise-client-urls", "--listen-peer-urls",
          "--initial-advertise-peer-urls")) {
        assertThat(flags.get(flags.indexOf(flag) + 1)).as("%s of strata-%d", flag, k).startsWith("https://");
      }
      for (String entry : pod.initialCluster().split(",")) {
        assertThat(entry).contains("=https://");
      }
      assertThat(flags.get(flags.indexOf("--listen-metrics-urls") + 1)).isEqualTo("http://0.0.0.0:2381");
      assertThat(PodClientTls.fromEnvironment(pod, env)).isPresent();
    }
  }

  @Test
  void everyTlsFileTheFlagsNameIsAKeyOfAMountedSecretThatTheExampleIssues() {
    Container container = TLS.serverContainer();
    Map<String, String> env = TLS.podEnvironment("strata-0", NAMESPACE);
    Map<String, String> secretOfVolume = new HashMap<>();
    for (Volume volume : TLS.statefulSet().getSpec().getTemplate().getSpec().getVolumes()) {
      if (volume.getSecret() != null) {
        assertThat(volume.getSecret().getItems()).as("whole Secrets, in cert-manager's layout").isNullOrEmpty();
        secretOfVolume.put(volume.getName(), volume.getSecret().getSecretName());
      }
    }
    assertThat(secretOfVolume.values()).containsExactlyInAnyOrderElementsOf(TlsSecrets.exampleCertificates(NAMESPACE).keySet());
    Set<String> mountedSecrets = new java.util.HashSet<>();
    for (String variable : FILE_VARIABLES) {
      Path file = Path.of(env.get(variable));
      VolumeMount mount = container.getVolumeMounts().stream()
          .filter(m -> file.getParent().equals(Path.of(m.getMountPath()))).findFirst()
          .orElseThrow(() -> new AssertionError(variable + "=" + file + " is in no mounted volume"));
      assertThat(mount.getSubPath()).as("a subPath mount is never updated, so a renewal would not reach it").isNull();
      assertThat(mount.getReadOnly()).isTrue();
      assertThat(secretOfVolume).as("%s is in a Secret volume", variable).containsKey(mount.getName());
      assertThat(TlsSecrets.KEYS).as("%s names a key of Secret %s", variable, secretOfVolume.get(mount.getName()))
          .contains(file.getFileName().toString());
      mountedSecrets.add(secretOfVolume.get(mount.getName()));
    }
    assertThat(mountedSecrets).as("every mounted Secret is used").containsExactlyInAnyOrderElementsOf(secretOfVolume.values());
    // Each certificate and its key come from one Secret.
    for (String[] pair : new String[][] {{"STRATA_CERT_FILE", "STRATA_KEY_FILE"}, {"STRATA_PEER_CERT_FILE", "STRATA_PEER_KEY_FILE"},
        {PodClientTls.CERT_FILE, PodClientTls.KEY_FILE}}) {
      assertThat(Path.of(env.get(pair[0])).getParent()).isEqualTo(Path.of(env.get(pair[1])).getParent());
      assertThat(Path.of(env.get(pair[0])).getFileName().toString()).isEqualTo("tls.crt");
      assertThat(Path.of(env.get(pair[1])).getFileName().toString()).isEqualTo("tls.key");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theExampleCertificatesNameEveryAddressTheirHoldersAreDialledAt() {
    Map<String, Map<String, Object>> certificates = TlsSecrets.exampleCertificates(NAMESPACE);
    Map<String, String> env = TLS.podEnvironment("strata-0", NAMESPACE);
    Map<String, String> secretOfMount = secretsByMountPath();
    Map<String, Object> server = certificates.get(secretOfMount.get(Path.of(env.get("STRATA_CERT_FILE")).getParent().toString()));
    Map<String, Object> peer = certificates.get(secretOfMount.get(Path.of(env.get("STRATA_PEER_CERT_FILE")).getParent().toString()));
    Map<String, Object> client = certificates.get(secretOfMount.get(Path.of(env.get(PodClientTls.CERT_FILE)).getParent().toString()));
    assertThat((List<String>) server.get("usages")).contains("server auth");
    assertThat((List<String>) peer.get("usages")).as("a member dials peers with it too").contains("server auth", "client auth");
    assertThat((List<String>) client.get("usages")).contains("client auth");
    for (Map<String, Object> certificate : certificates.values()) {
      assertThat(((Map<String, Object>) certificate.get("issuerRef")).get("name")).as("one CA signs all three").isEqualTo("strata-ca");
    }
    // Pods 0..9 (a scale-up beyond the initial three too), the client Service, and the preStop
    // hook's own member on 127.0.0.1: every host strata-pod, clients and peers connect to.
    for (int k = 0; k < 10; k++) {
      PodIdentity pod = PodIdentity.fromEnvironment(TLS.podEnvironment("strata-" + k, NAMESPACE));
      for (String endpoint : pod.preStopEndpoints()) {
        assertThat(coversHost(server, URI.create("https://" + endpoint).getHost()))
            .as("the client-facing certificate names %s", endpoint).isTrue();
      }
      assertThat(coversHost(server, URI.create(pod.clientUrl(k)).getHost())).isTrue();
      assertThat(coversHost(peer, URI.create(pod.peerUrl()).getHost())).as("the peer certificate names %s", pod.peerUrl()).isTrue();
    }
    assertThat(coversHost(server, "strata-0.strata-peer.other.svc.cluster.local")).isFalse();
  }

  private static Map<String, String> secretsByMountPath() {
    Map<String, String> secretOfVolume = new HashMap<>();
    TLS.statefulSet().getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getSecret() != null)
        .forEach(v -> secretOfVolume.put(v.getName(), v.getSecret().getSecretName()));
    Map<String, String> byPath = new HashMap<>();
    TLS.serverContainer().getVolumeMounts().stream().filter(m -> secretOfVolume.containsKey(m.getName()))
        .forEach(m -> byPath.put(m.getMountPath(), secretOfVolume.get(m.getName())));
    return byPath;
  }

  /** Whether a certificate with these names is valid for {@code host} (RFC 6125: a wildcard stands for one leftmost label). */
  @SuppressWarnings("unchecked")
  private static boolean coversHost(Map<String, Object> certificate, String host) {
    if (((List<Object>) certificate.getOrDefault("ipAddresses", List.of())).stream().anyMatch(ip -> ip.toString().equals(host))) {
      return true;
    }
    for (Object name : (List<Object>) certificate.getOrDefault("dnsNames", List.of())) {
      String dns = name.toString();
      if (dns.equalsIgnoreCase(host)
          || dns.startsWith("*.") && host.indexOf('.') > 0 && host.substring(host.indexOf('.')).equalsIgnoreCase(dns.substring(1))) {
        return true;
      }
    }
    return false;
  }
}
