package io.strata.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which URLs need which TLS files: etcd's start errors, and plaintext when no URL is https. */
class ServerTlsTest {
  private static final List<String> HTTP_PEERS = List.of("http://127.0.0.1:2380", "http://127.0.0.1:2380");

  @Test
  void anHttpsClientUrlWithoutCertificateAndKeyFailsWithEtcdsMessage() {
    TlsFlags flags = new TlsFlags();
    flags.certFile = Path.of("/only/a/cert.pem");
    assertThatThrownBy(() -> ServerTls.from(flags, List.of("http://127.0.0.1:2379", "https://127.0.0.1:3379"),
        List.of("http://127.0.0.1:2381"), HTTP_PEERS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:3379"
            + " with HTTPS scheme");
    assertThatThrownBy(() -> ServerTls.from(new TlsFlags(), List.of("http://127.0.0.1:2379"),
        List.of("https://127.0.0.1:2381"), HTTP_PEERS))
        .hasMessage("TLS key/cert (--cert-file, --key-file) must be provided for metrics url https://127.0.0.1:2381"
            + " with HTTPS scheme");
  }

  @Test
  void httpsPeerUrlsNeedThePeerFilesAndAllPeerUrlsOneScheme() {
    assertThatThrownBy(() -> ServerTls.from(new TlsFlags(), List.of("http://127.0.0.1:2379"), List.of(),
        List.of("https://127.0.0.1:2380", "https://127.0.0.1:2380")))
        .hasMessage("TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url"
            + " https://127.0.0.1:2380 with HTTPS scheme");
    assertThatThrownBy(() -> ServerTls.from(new TlsFlags(), List.of("http://127.0.0.1:2379"), List.of(),
        List.of("https://127.0.0.1:2380", "https://127.0.0.1:2380", "http://10.0.0.2:2380")))
        .hasMessage("the peer URLs [http://10.0.0.2:2380] do not use the scheme of --listen-peer-urls"
            + " https://127.0.0.1:2380: a cluster's peers all speak TLS (https) or all plaintext (http)");
  }

  @Test
  void withoutHttpsUrlsNothingIsReadAndNothingIsTls() {
    TlsFlags flags = new TlsFlags();
    flags.certFile = Path.of("/does/not/exist.crt");
    flags.keyFile = Path.of("/does/not/exist.key");
    flags.clientCertAuth = true;
    ServerTls tls = ServerTls.from(flags, List.of("http://127.0.0.1:2379"), List.of("http://127.0.0.1:2381"),
        HTTP_PEERS);
    assertThat(tls.client()).isNull();
    assertThat(tls.peer()).isNull();
    assertThat(tls.clientCertAuth()).as("client cert auth needs an https client URL").isFalse();
  }
}
