package io.strata.e2e.deploy;

import static io.strata.e2e.deploy.StatefulSetPods.member;
import static io.strata.e2e.deploy.StatefulSetPods.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.strata.deploy.Manifests;
import io.strata.deploy.PodIdentity;
import io.strata.deploy.TlsSecrets;
import io.strata.e2e.harness.Waits;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * The TLS overlay ({@code deploy/kubernetes-tls}, rendered as kustomize renders it) run as
 * {@link StrataStatefulSetPodsTest} runs the base: pods in network namespaces, started through
 * {@code strata-pod run}, with the overlay's three Secrets bind-mounted at its mount paths as the
 * kubelet mounts them (the cert-manager example's certificates, made with openssl, each key a
 * symlink through {@code ..data}). The cluster forms over peer TLS, the probes' plain HTTP port
 * answers, clients need a certificate, strata-pod's own member add and preStop removal go over TLS,
 * and a Secret renewed the way the kubelet updates it is served within the reload interval.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StrataStatefulSetTlsPodsTest {
  private static final int PODS = 4;

  private final Manifests manifests = Manifests.build(Manifests.tlsOverlayDirectory());
  private StatefulSetPods pods;
  private TlsSecrets secrets;
  private volatile boolean failed;

  @RegisterExtension
  final TestWatcher keepFailedRuns = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      failed = true;
    }
  };

  @BeforeAll
  void createPodNetworkAndSecrets() throws IOException {
    pods = new StatefulSetPods(manifests, "statefulset-tls-pods", PODS);
    secrets = TlsSecrets.issue(pods.runDir().resolve("secrets"), StatefulSetPods.NAMESPACE);
    Map<String, String> secretOfVolume = new HashMap<>();
    for (Volume volume : manifests.statefulSet().getSpec().getTemplate().getSpec().getVolumes()) {
      if (volume.getSecret() != null) {
        secretOfVolume.put(volume.getName(), volume.getSecret().getSecretName());
      }
    }
    for (VolumeMount mount : manifests.serverContainer().getVolumeMounts()) {
      String secret = secretOfVolume.get(mount.getName());
      if (secret != null) {
        pods.mount(secrets.secret(secret), Path.of(mount.getMountPath()));
      }
    }
    // The test's etcdctl uses the client Secret, as an operator's `kubectl exec ... etcdctl` would.
    pods.etcdctlOptions("--cacert", file("strata-server-tls", "ca.crt"), "--cert", file("strata-client-tls", "tls.crt"),
        "--key", file("strata-client-tls", "tls.key"));
  }

  private String file(String secret, String key) {
    return secrets.secret(secret).resolve(key).toString();
  }

  @AfterAll
  void removePodNetwork() {
    if (pods != null) {
      pods.close(failed);
    }
  }

  @Test
  @Order(1)
  void three_pods_form_a_cluster_over_peer_tls_serve_clients_with_certificates_and_answer_plain_http_probes() {
    for (int k = 0; k < 3; k++) {
      pods.startPod(k);
    }
    for (int k = 0; k < 3; k++) {
      pods.awaitReady(k); // /readyz over plain HTTP, as the kubelet probes it
    }
    pods.awaitMembers("strata-0", "strata-1", "strata-2");
    JsonArray members = pods.memberList(0);
    for (int k = 0; k < 3; k++) {
      JsonObject member = member(members, "strata-" + k);
      assertThat(strings(member.getAsJsonArray("peerURLs"))).containsExactly(pods.identity(k).peerUrl())
          .allMatch(url -> url.startsWith("https://"));
      assertThat(strings(member.getAsJsonArray("clientURLs"))).containsExactly(pods.identity(k).clientUrl(k))
          .allMatch(url -> url.startsWith("https://"));
    }
    assertThat(pods.etcdctl(0, 0, "put", "/deploy/tls", "one")).isEqualTo("OK\n");
    assertThat(pods.etcdctlThroughService(1, "get", "/deploy/tls", "--print-value-only")).isEqualTo("one\n");

    PodNetwork.Result noCertificate = pods.etcdctlResult(1, pods.identity(0).clientUrl(0),
        List.of("--cacert", file("strata-server-tls", "ca.crt")), "get", "/deploy/tls");
    assertThat(noCertificate.exit()).as("a client without a certificate: %s", noCertificate.output()).isNotZero();
  }

  @Test
  @Order(2)
  void strata_pod_adds_a_scale_up_member_and_its_pre_stop_removes_it_over_tls() throws IOException {
    pods.writeReplicas(4);
    pods.startPod(3);
    pods.awaitReady(3);
    pods.awaitMembers("strata-0", "strata-1", "strata-2", "strata-3");
    assertThat(Files.readString(pods.log(3))).contains("added member", "with peer URL " + pods.identity(3).peerUrl());
    assertThat(pods.etcdctl(3, 3, "get", "/deploy/tls", "--print-value-only")).isEqualTo("one\n");

    pods.writeReplicas(3);
    PodNetwork.Result removed = pods.preStop(3);
    assertThat(removed.exit()).as(removed.output()).isZero();
    assertThat(removed.output()).contains("scale-down to 3: removed member");
    Process leaving = pods.process(3);
    Waits.until("the removed member strata-3 to stop by itself", Duration.ofSeconds(30),
        () -> leaving.isAlive() ? null : leaving.exitValue());
    pods.awaitMembers("strata-0", "strata-1", "strata-2");
  }

  @Test
  @Order(3)
  void renewed_secrets_are_served_within_the_reload_interval() {
    BigInteger server = secrets.renew("strata-server-tls");
    BigInteger peer = secrets.renew("strata-peer-tls");
    PodIdentity pod = pods.identity(1);
    String clientAddress = pod.host(1) + ":" + PodIdentity.CLIENT_PORT;
    String peerAddress = pod.host(1) + ":" + PodIdentity.PEER_PORT;
    Waits.until("strata-1 to present the renewed client and peer certificates", Duration.ofSeconds(15), () ->
        served(2, clientAddress, "strata-client-tls").equals(server) && served(2, peerAddress, "strata-peer-tls").equals(peer)
            ? true : null);
    // New connections work with the new certificates, both ways.
    assertThat(pods.etcdctl(2, 1, "put", "/deploy/tls", "two")).isEqualTo("OK\n");
    assertThat(pods.etcdctl(0, 0, "get", "/deploy/tls", "--print-value-only")).isEqualTo("two\n");
    assertThat(pods.httpStatus(1, "/readyz")).isEqualTo("200");
  }

  /** The serial of the certificate {@code address} presents to a client holding Secret {@code clientSecret}'s certificate. */
  private BigInteger served(int from, String address, String clientSecret) {
    String script = "openssl s_client -connect " + address + " -servername " + address.replaceAll(":\\d+$", "")
        + " -cert " + file(clientSecret, "tls.crt") + " -key " + file(clientSecret, "tls.key")
        + " </dev/null 2>/dev/null | openssl x509 -noout -serial";
    String output = pods.run(from, List.of("sh", "-c", script)).output().trim();
    return output.startsWith("serial=") ? new BigInteger(output.substring("serial=".length()), 16) : BigInteger.ZERO;
  }
}
