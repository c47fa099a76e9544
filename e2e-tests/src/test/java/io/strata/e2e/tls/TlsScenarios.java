package io.strata.e2e.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.ClusterTls;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Etcdctl.Result;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import io.strata.e2e.harness.Waits;
import io.strata.raft.tls.TestCertificates.Issued;
import io.strata.raft.tls.TlsHandshakes;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-member cluster with mutual TLS for clients ({@code --client-cert-auth}) and peers
 * ({@code --peer-client-cert-auth}), certificates made at test time, driven with Debian's etcdctl
 * ({@code --cacert --cert --key}). Written once: {@link EtcdTlsTest} runs it on etcd 3.4, which
 * proves that the expected outputs and errors are etcd's; {@link StrataTlsTest} on Strata. The
 * scenarios share the cluster and run in order; the last one enables auth.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class TlsScenarios {
  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  @TempDir
  static Path pki;

  protected ProcessCluster cluster;
  protected ClusterTls tls;

  protected abstract Backend backend();

  @BeforeAll
  void startCluster() {
    tls = ClusterTls.mutual(pki);
    cluster = clusters.start(backend(), ClusterSpec.threeMembers(), c -> c.useTls(tls));
  }

  @Test
  @Order(10)
  void etcdctl_with_cacert_cert_and_key_writes_and_reads_on_every_member() {
    List<ProcessMember> members = cluster.members();
    for (ProcessMember m : members) {
      assertThat(cluster.etcdctl(m).run("put", "tls/" + m.name(), "from-" + m.name()).stdout()).isEqualTo("OK\n");
    }
    for (ProcessMember m : members) {
      Result all = cluster.etcdctl(m).run("get", "tls/", "--prefix");
      assertThat(all.stdout()).as(all.describe())
          .isEqualTo("tls/n1\nfrom-n1\ntls/n2\nfrom-n2\ntls/n3\nfrom-n3\n");
    }
    Result list = cluster.etcdctl(members.get(1)).run("member", "list");
    for (ProcessMember m : members) {
      assertThat(list.stdout()).as(list.describe())
          .contains(", started, " + m.name() + ", " + m.peerUrl() + ", " + m.clientUrl() + ", false\n");
    }
    assertThat(m(0).peerUrl()).startsWith("https://");
    Result status = cluster.etcdctl().run("endpoint", "status");
    assertThat(status.stdout().lines().map(line -> line.substring(0, line.indexOf(','))))
        .as(status.describe())
        .containsExactlyElementsOf(members.stream().map(Member::clientUrl).toList());
  }

  @Test
  @Order(20)
  void clients_without_a_certificate_or_without_the_ca_or_in_plaintext_are_refused() {
    Member m = m(0);
    Etcdctl noCertificate = Etcdctl.forEndpoints(m.clientUrl()).withTls(tls.clientCa().cert(), null, null);
    Etcdctl noCa = Etcdctl.forEndpoints(m.clientUrl())
        .withTls(null, tls.harnessClient().cert(), tls.harnessClient().key());
    Etcdctl plaintext = Etcdctl.forEndpoints("http://" + m.clientEndpoint());
    for (Etcdctl refused : List.of(noCertificate, noCa, plaintext)) {
      Result put = refused.commandTimeout(Duration.ofSeconds(2)).run("put", "tls/refused", "x");
      assertThat(put.exitCode()).as(put.describe()).isEqualTo(1);
      assertThat(put.error()).as(put.describe()).hasValue("context deadline exceeded");
    }
    try (EtcdGrpc plain = EtcdGrpc.connect(m.clientEndpoint())) {
      assertThatThrownBy(() -> plain.status())
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(cluster.etcdctl(m).run("get", "tls/refused").stdout()).isEmpty();
  }

  @Test
  @Order(30)
  void the_metrics_url_is_https_with_the_client_certificates() throws Exception {
    Member m = m(1);
    URI health = URI.create(m.metricsUrl() + "/health");
    assertThat(health.getScheme()).isEqualTo("https");
    HttpResponse<String> answer = https(tls.harnessClient()).send(HttpRequest.newBuilder(health).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("\"health\":\"true\"");
    assertThatThrownBy(() -> https(null).send(HttpRequest.newBuilder(health).build(),
        HttpResponse.BodyHandlers.ofString())).as("no client certificate").isInstanceOf(IOException.class);
  }

  @Test
  @Order(40)
  void the_peer_port_presents_the_peer_certificate_and_refuses_clients_without_one_from_the_peer_ca()
      throws Exception {
    int peerPort = URI.create(m(2).peerUrl()).getPort();
    assertThat(TlsHandshakes.serverCertificate(peerPort, tls.peerCa().cert(), tls.peer(), 2000).getSerialNumber())
        .isEqualTo(tls.peer().serial());
    assertThatThrownBy(() -> TlsHandshakes.serverCertificate(peerPort, tls.peerCa().cert(), null, 5000))
        .as("no certificate").isInstanceOf(IOException.class);
    assertThatThrownBy(() -> TlsHandshakes.serverCertificate(peerPort, tls.peerCa().cert(), tls.harnessClient(), 5000))
        .as("a certificate of the client CA").isInstanceOf(IOException.class);
  }

  @Test
  @Order(50)
  void renewed_certificate_files_serve_new_connections_while_open_ones_keep_working() throws Exception {
    for (ProcessMember m : cluster.members()) {
      cluster.grpc(m).put("tls/before-renewal", m.name()); // the channel stays open across the renewal
    }
    Issued renewed = tls.clientCa().server("server-renewed");
    replace(tls.server().key(), renewed.key());
    replace(tls.server().cert(), renewed.cert());
    for (ProcessMember m : cluster.members()) {
      int port = URI.create(m.clientUrl()).getPort();
      Waits.until(m.name() + " to present the renewed certificate to new connections", Duration.ofSeconds(30), () -> {
        BigInteger serial = TlsHandshakes.serverCertificate(port, tls.clientCa().cert(), tls.harnessClient(), 2000)
            .getSerialNumber();
        return serial.equals(renewed.serial()) ? serial : null;
      });
      cluster.grpc(m).put("tls/after-renewal", m.name());
      assertThat(cluster.etcdctl(m).run("get", "tls/after-renewal", "--print-value-only").stdout())
          .isEqualTo(m.name() + "\n");
    }
  }

  @Test
  @Order(90)
  void with_auth_enabled_a_request_without_token_acts_as_the_certificate_common_name() {
    Etcdctl admin = cluster.etcdctl(m(0));
    assertThat(admin.run("user", "add", "root:rootpw").stdout()).isEqualTo("User root created\n");
    assertThat(admin.run("user", "add", "someuser:pw").stdout()).isEqualTo("User someuser created\n");
    assertThat(admin.run("role", "add", "app").stdout()).isEqualTo("Role app created\n");
    assertThat(admin.run("role", "grant-permission", "app", "readwrite", "/app/", "--prefix=true").stdout())
        .isEqualTo("Role app updated\n");
    assertThat(admin.run("user", "grant-role", "someuser", "app").stdout())
        .isEqualTo("Role app is granted to user someuser\n");
    assertThat(admin.run("auth", "enable").stdout()).isEqualTo("Authentication Enabled\n");

    Issued someuser = tls.clientCa().client("someuser", "someuser");
    Issued nobody = tls.clientCa().client("nobody", "nobody");
    Member m = m(1);
    Etcdctl asSomeuser = Etcdctl.forEndpoints(m.clientUrl()).withTls(tls.clientCa().cert(), someuser.cert(), someuser.key());
    Etcdctl asNobody = Etcdctl.forEndpoints(m.clientUrl()).withTls(tls.clientCa().cert(), nobody.cert(), nobody.key());
    assertThat(asSomeuser.run("put", "/app/a", "1").stdout()).isEqualTo("OK\n");
    assertThat(asSomeuser.run("get", "/app/a").stdout()).isEqualTo("/app/a\n1\n");
    assertThat(asSomeuser.run("put", "/other", "1").error()).hasValue("etcdserver: permission denied");
    assertThat(asSomeuser.run("user", "list").error()).hasValue("etcdserver: permission denied");
    assertThat(asNobody.run("get", "/app/a").error()).hasValue("etcdserver: permission denied");
    // The harness's certificate names root.
    assertThat(cluster.etcdctl(m).run("user", "list").stdout()).isEqualTo("root\nsomeuser\n");
    // A token still wins over the certificate.
    assertThat(asSomeuser.withUser("root:rootpw").run("put", "/other", "2").stdout()).isEqualTo("OK\n");
  }

  protected ProcessMember m(int index) {
    return cluster.members().get(index);
  }

  /** Replaces {@code target}'s contents with {@code source}'s in one rename, as a certificate renewal tool does. */
  static void replace(Path target, Path source) throws IOException {
    Path staged = target.resolveSibling(target.getFileName() + ".new");
    Files.copy(source, staged, StandardCopyOption.REPLACE_EXISTING);
    Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private HttpClient https(Issued clientCertificate) {
    return HttpClient.newBuilder()
        .sslContext(TlsHandshakes.clientContext(tls.clientCa().cert(), clientCertificate))
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }
}
