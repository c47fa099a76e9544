package io.strata.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PodIdentityTest {
  @Test
  void aPodNameGivesTheSetTheOrdinalAndTheStableDnsNames() {
    PodIdentity pod = PodIdentity.fromEnvironment(Map.of("POD_NAME", "my-strata-12", "POD_NAMESPACE", "kv"));
    assertThat(pod.statefulSet()).isEqualTo("my-strata");
    assertThat(pod.ordinal()).isEqualTo(12);
    assertThat(pod.name()).isEqualTo("my-strata-12");
    assertThat(pod.peerUrl()).isEqualTo("http://my-strata-12.strata-peer.kv.svc.cluster.local:2380");
    assertThat(pod.clientUrl(0)).isEqualTo("http://my-strata-0.strata-peer.kv.svc.cluster.local:2379");
    assertThat(pod.initialMember()).isFalse();
  }

  @Test
  void theServicesDomainAndInitialSizeComeFromTheEnvironment() {
    PodIdentity pod = PodIdentity.fromEnvironment(Map.of("POD_NAME", "kv-1", "POD_NAMESPACE", "a",
        "STRATA_POD_PEER_SERVICE", "kv-peers", "STRATA_POD_CLIENT_SERVICE", "kv", "STRATA_POD_CLUSTER_DOMAIN", "example",
        "STRATA_POD_INITIAL_CLUSTER_SIZE", "5"));
    assertThat(pod.initialCluster()).isEqualTo(
        "kv-0=http://kv-0.kv-peers.a.svc.example:2380,kv-1=http://kv-1.kv-peers.a.svc.example:2380,"
            + "kv-2=http://kv-2.kv-peers.a.svc.example:2380,kv-3=http://kv-3.kv-peers.a.svc.example:2380,"
            + "kv-4=http://kv-4.kv-peers.a.svc.example:2380");
    assertThat(pod.discoveryEndpoints()).containsExactly("kv.a.svc.example:2379",
        "kv-0.kv-peers.a.svc.example:2379", "kv-2.kv-peers.a.svc.example:2379",
        "kv-3.kv-peers.a.svc.example:2379", "kv-4.kv-peers.a.svc.example:2379");
  }

  @Test
  void aScaleUpPodAsksTheServiceAndEveryLowerPod() {
    PodIdentity pod = PodIdentity.fromEnvironment(Map.of("POD_NAME", "strata-4", "POD_NAMESPACE", "d"));
    assertThat(pod.discoveryEndpoints()).containsExactly("strata.d.svc.cluster.local:2379",
        "strata-0.strata-peer.d.svc.cluster.local:2379", "strata-1.strata-peer.d.svc.cluster.local:2379",
        "strata-2.strata-peer.d.svc.cluster.local:2379", "strata-3.strata-peer.d.svc.cluster.local:2379");
  }

  @Test
  void certificateFilesMakeTheClientAndPeerUrlsHttpsButNeverTheProbedMetricsUrl() {
    PodIdentity pod = PodIdentity.fromEnvironment(Map.of("POD_NAME", "strata-3", "POD_NAMESPACE", "kv",
        "STRATA_CERT_FILE", "/etc/strata/tls/server/tls.crt", "STRATA_PEER_CERT_FILE", "/etc/strata/tls/peer/tls.crt"));
    assertThat(pod.clientTls()).isTrue();
    assertThat(pod.peerTls()).isTrue();
    assertThat(pod.peerUrl()).isEqualTo("https://strata-3.strata-peer.kv.svc.cluster.local:2380");
    assertThat(pod.clientUrl(1)).isEqualTo("https://strata-1.strata-peer.kv.svc.cluster.local:2379");
    assertThat(pod.initialCluster()).isEqualTo("strata-0=https://strata-0.strata-peer.kv.svc.cluster.local:2380,"
        + "strata-1=https://strata-1.strata-peer.kv.svc.cluster.local:2380,"
        + "strata-2=https://strata-2.strata-peer.kv.svc.cluster.local:2380");
    assertThat(pod.serverFlags("existing", "x=y")).containsExactly(
        "--name", "strata-3",
        "--listen-client-urls", "https://0.0.0.0:2379",
        "--advertise-client-urls", "https://strata-3.strata-peer.kv.svc.cluster.local:2379",
        "--listen-peer-urls", "https://0.0.0.0:2380",
        "--initial-advertise-peer-urls", "https://strata-3.strata-peer.kv.svc.cluster.local:2380",
        "--listen-metrics-urls", "http://0.0.0.0:2381",
        "--initial-cluster", "x=y",
        "--initial-cluster-state", "existing");
    // Endpoints are host:port; the scheme of the calls comes from PodClientTls.
    assertThat(pod.preStopEndpoints()).startsWith("127.0.0.1:2379", "strata.kv.svc.cluster.local:2379");

    PodIdentity clientOnly = PodIdentity.fromEnvironment(Map.of("POD_NAME", "strata-0", "POD_NAMESPACE", "kv",
        "STRATA_CERT_FILE", "/c.crt", "STRATA_PEER_CERT_FILE", " "));
    assertThat(clientOnly.clientUrl(0)).startsWith("https://");
    assertThat(clientOnly.peerUrl()).startsWith("http://");
  }

  @Test
  void badEnvironmentsAreRefusedClearly() {
    assertThatThrownBy(() -> PodIdentity.fromEnvironment(Map.of("POD_NAMESPACE", "d")))
        .hasMessageContaining("POD_NAME is not set");
    assertThatThrownBy(() -> PodIdentity.fromEnvironment(Map.of("POD_NAME", "strata", "POD_NAMESPACE", "d")))
        .hasMessageContaining("not a StatefulSet pod name");
    assertThatThrownBy(() -> PodIdentity.fromEnvironment(Map.of("POD_NAME", "strata-x", "POD_NAMESPACE", "d")))
        .hasMessageContaining("not a StatefulSet pod name");
    assertThatThrownBy(() -> PodIdentity.fromEnvironment(Map.of("POD_NAME", "strata-0")))
        .hasMessageContaining("POD_NAMESPACE is not set");
    assertThatThrownBy(() -> PodIdentity.fromEnvironment(Map.of("POD_NAME", "strata-0", "POD_NAMESPACE", "d",
        "STRATA_POD_INITIAL_CLUSTER_SIZE", "three"))).hasMessageContaining("is not a number");
  }
}
