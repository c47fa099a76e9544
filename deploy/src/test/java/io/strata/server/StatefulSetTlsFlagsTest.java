package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.strata.deploy.Manifests;
import io.strata.deploy.PodClientTls;
import io.strata.deploy.PodIdentity;
import io.strata.deploy.TlsSecrets;
import io.strata.server.tls.ServerTls;
import io.strata.storage.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TLS overlay's flags through the server's own checks: every check of
 * {@link StatefulSetFlagsTest}, then the TLS rules a member applies at start
 * ({@link StrataServer#tlsOf}: https URLs need certificate and key, one scheme for every peer URL,
 * files that parse and keys that match), with the overlay's Secrets mounted as the kubelet mounts
 * them: the cert-manager example's certificates (made with openssl) in directories laid out like
 * a Secret volume, at the manifest's mount paths (the paths in the environment are moved to them).
 */
class StatefulSetTlsFlagsTest extends StatefulSetFlagsTest {
  private static final Manifests TLS = Manifests.build(Manifests.tlsOverlayDirectory());

  private Path secretsDir;
  private TlsSecrets secrets;

  @Override
  Manifests manifests() {
    return TLS;
  }

  @Override
  String clientScheme() {
    return "https";
  }

  @BeforeAll
  void issueTheExampleSecrets() throws IOException {
    secretsDir = Files.createTempDirectory("statefulset-tls-secrets");
    secrets = TlsSecrets.issue(secretsDir, NAMESPACE);
  }

  @AfterAll
  void deleteTheSecrets() {
    Backend.deleteTree(secretsDir);
  }

  /**
   * Pod {@code podName}'s environment with every path under a Secret volume's mount path moved to
   * where {@link TlsSecrets} holds that Secret (a stand-in for the kubelet's mount).
   */
  private Map<String, String> mountedEnvironment(String podName) {
    Map<String, Path> mounts = new LinkedHashMap<>();
    Map<String, String> secretOfVolume = new HashMap<>();
    for (Volume volume : TLS.statefulSet().getSpec().getTemplate().getSpec().getVolumes()) {
      if (volume.getSecret() != null) {
        secretOfVolume.put(volume.getName(), volume.getSecret().getSecretName());
      }
    }
    for (VolumeMount mount : TLS.serverContainer().getVolumeMounts()) {
      if (secretOfVolume.containsKey(mount.getName())) {
        mounts.put(mount.getMountPath(), secrets.secret(secretOfVolume.get(mount.getName())));
      }
    }
    Map<String, String> env = new HashMap<>(TLS.podEnvironment(podName, NAMESPACE));
    env.replaceAll((name, value) -> {
      for (Map.Entry<String, Path> mount : mounts.entrySet()) {
        if (value.startsWith(mount.getKey() + "/")) {
          return mount.getValue().resolve(value.substring(mount.getKey().length() + 1)).toString();
        }
      }
      return value;
    });
    return env;
  }

  @Test
  void everyPodsFlagsPassTheServersTlsChecksWithTheMountedSecrets() {
    for (String podName : List.of("strata-0", "strata-1", "strata-2", "strata-3")) {
      Map<String, String> env = mountedEnvironment(podName);
      PodIdentity pod = PodIdentity.fromEnvironment(env);
      String initialCluster = pod.initialMember() ? null : pod.initialCluster() + "," + pod.name() + "=" + pod.peerUrl();
      ServerConfig config = configOf(env, pod.initialMember() ? "new" : "existing", initialCluster);
      ServerTls tls = StrataServer.tlsOf(config, InitialCluster.parse(config.effectiveInitialCluster(), config.initialClusterToken));
      assertThat(tls.client()).as("%s serves TLS on its client port", podName).isNotNull();
      assertThat(tls.client().files().requiresClientCertificates()).isTrue();
      assertThat(tls.clientCertAuth()).isTrue();
      assertThat(tls.peer()).as("%s serves and dials TLS on the peer port", podName).isNotNull();
      assertThat(tls.peer().files().requiresClientCertificates()).isTrue();
      assertThat(tls.peer().files().trustedCaFile()).isNotNull();
      // strata-pod's own client files load too.
      assertThat(PodClientTls.fromEnvironment(pod, env)).isPresent();
    }
  }

  @Test
  void theServersChecksAreTheOnesThatWouldRefuseABrokenOverlay() {
    Map<String, String> withoutKey = mountedEnvironment("strata-0");
    withoutKey.remove("STRATA_KEY_FILE");
    ServerConfig config = configOf(withoutKey, "new", null);
    assertThatThrownBy(() -> StrataServer.tlsOf(config, InitialCluster.parse(config.effectiveInitialCluster(),
        config.initialClusterToken)))
        .hasMessageContaining("TLS key/cert (--cert-file, --key-file) must be provided for client url https://0.0.0.0:2379");

    Map<String, String> wrongKey = mountedEnvironment("strata-0");
    wrongKey.put("STRATA_PEER_KEY_FILE", wrongKey.get("STRATA_KEY_FILE"));
    ServerConfig mismatched = configOf(wrongKey, "new", null);
    assertThatThrownBy(() -> StrataServer.tlsOf(mismatched, InitialCluster.parse(mismatched.effectiveInitialCluster(),
        mismatched.initialClusterToken)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peer TLS files");
  }
}
