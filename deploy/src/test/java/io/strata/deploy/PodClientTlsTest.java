package io.strata.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.strata.raft.tls.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodClientTlsTest {
  private static final Map<String, String> POD = Map.of("POD_NAME", "strata-1", "POD_NAMESPACE", "kv");

  private static PodIdentity pod(Map<String, String> env) {
    return PodIdentity.fromEnvironment(env);
  }

  private static Map<String, String> with(Map<String, String> base, String... pairs) {
    java.util.HashMap<String, String> env = new java.util.HashMap<>(base);
    for (int i = 0; i < pairs.length; i += 2) {
      env.put(pairs[i], pairs[i + 1]);
    }
    return env;
  }

  @Test
  void aPlaintextPodCallsInPlaintext() {
    Optional<PodClientTls> tls = PodClientTls.fromEnvironment(pod(POD), with(POD, PodClientTls.CERT_FILE, "/unused.crt"));
    assertThat(tls).isEmpty();
    assertThat(PodClientTls.credentials(tls)).isInstanceOf(InsecureChannelCredentials.class);
  }

  @Test
  void httpsClientUrlsNeedTheClientCertificateAndKey() {
    Map<String, String> env = with(POD, PodIdentity.CERT_FILE, "/etc/strata/tls/server/tls.crt",
        PodClientTls.CERT_FILE, "/etc/strata/tls/client/tls.crt");
    assertThatThrownBy(() -> PodClientTls.fromEnvironment(pod(env), env))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("STRATA_POD_CLIENT_CERT_FILE and STRATA_POD_CLIENT_KEY_FILE must name");
  }

  @Test
  void theFilesAreReadAsTheServerReadsItsOwn(@TempDir Path dir) {
    TestCertificates.Authority ca = TestCertificates.authority(dir, "ca");
    // cert-manager writes ECDSA keys as SEC1 ("EC PRIVATE KEY") unless told PKCS8.
    TestCertificates.Issued client = ca.issue("client", "strata-pod", List.of(), TestCertificates.KeyFormat.SEC1_EC);
    Map<String, String> env = with(POD, PodIdentity.CERT_FILE, "/server.crt",
        PodClientTls.CERT_FILE, client.cert().toString(), PodClientTls.KEY_FILE, client.key().toString(),
        PodClientTls.TRUSTED_CA_FILE, ca.cert().toString());
    PodClientTls tls = PodClientTls.fromEnvironment(pod(env), env).orElseThrow();
    assertThat(tls).isEqualTo(new PodClientTls(client.cert(), client.key(), ca.cert()));
    assertThat(tls.credentials()).isInstanceOf(TlsChannelCredentials.class);

    PodClientTls wrongKey = new PodClientTls(client.cert(), ca.key(), ca.cert());
    assertThatThrownBy(wrongKey::credentials).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("strata-pod client");
    PodClientTls missing = new PodClientTls(dir.resolve("absent.crt"), client.key(), null);
    assertThatThrownBy(missing::credentials).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absent.crt");
  }
}
