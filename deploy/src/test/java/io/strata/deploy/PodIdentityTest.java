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
