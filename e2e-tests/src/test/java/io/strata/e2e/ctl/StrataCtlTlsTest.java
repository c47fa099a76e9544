package io.strata.e2e.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.client.StrataClient;
import io.strata.client.WatchListener;
import io.strata.client.Watcher;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.ClusterTls;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.ProcessCluster;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * stratactl and the Java client on a Strata member that serves clients over mutual TLS
 * ({@code --client-cert-auth}, certificates made at test time, {@link ClusterTls#mutual}):
 * stratactl with etcdctl's TLS flags prints what Debian's etcdctl prints with the same flags, is
 * refused as etcdctl is without a client certificate, logs in with {@code --user} over TLS, and
 * {@link StrataClient} with a CA and a client certificate puts, gets and watches. One member (the
 * commands compared are about the connection, not about replication); the tests share it and run
 * in order, the last one enables auth.
 */
@Tag("strata")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StrataCtlTlsTest {

  @RegisterExtension static final ClusterExtension clusters = new ClusterExtension();

  @TempDir static Path pki;

  private ProcessCluster cluster;
  private ClusterTls tls;
  private ProcessMember member;

  @BeforeAll
  void startCluster() {
    tls = ClusterTls.mutual(pki);
    cluster = clusters.start(Backend.STRATA, ClusterSpec.ofSize(1), c -> c.useTls(tls));
    member = cluster.members().get(0);
  }

  /** {@code --cacert --cert --key} of the harness's client certificate (CN root). */
  private List<String> tlsFlags() {
    return List.of(
        "--cacert=" + tls.clientCa().cert(),
        "--cert=" + tls.harnessClient().cert(),
        "--key=" + tls.harnessClient().key());
  }

  private static List<String> with(List<String> args, List<String> flags) {
    List<String> all = new ArrayList<>(args);
    all.addAll(flags);
    return all;
  }

  @Test
  @Order(10)
  void with_cacert_cert_and_key_stratactl_prints_what_etcdctl_prints() {
    String https = member.clientUrl();
    assertThat(https).startsWith("https://");
    record Case(String endpoints, List<String> args, Mask mask) {}
    List<String> skipVerify = List.of(
        "--cert=" + tls.harnessClient().cert(), "--key=" + tls.harnessClient().key(), "--insecure-skip-tls-verify");
    List<Case> cases = List.of(
        new Case(https, with(List.of("put", "tls/k", "v"), tlsFlags()), Mask.REVISIONS),
        new Case(https, with(List.of("get", "tls/k"), tlsFlags()), Mask.NONE),
        // host:port without a scheme: the TLS flags alone turn TLS on
        new Case(member.clientEndpoint(), with(List.of("get", "tls/k"), tlsFlags()), Mask.NONE),
        // no CA: nothing is verified, the client certificate is still shown
        new Case(https, with(List.of("get", "tls/k"), skipVerify), Mask.NONE),
        new Case(https, with(List.of("member", "list"), tlsFlags()), Mask.NONE),
        new Case(https, with(List.of("endpoint", "health"), tlsFlags()), Mask.TOOK),
        new Case(https, with(List.of("endpoint", "health", "--cluster"), tlsFlags()), Mask.TOOK),
        new Case(https, with(List.of("endpoint", "status"), tlsFlags()), Mask.STATUS_COUNTERS),
        new Case(https, with(List.of("endpoint", "status", "--cluster"), tlsFlags()), Mask.STATUS_COUNTERS),
        // etcdctl's refusals of the TLS flags themselves
        new Case(https, List.of("get", "tls/k", "--cert=" + tls.harnessClient().cert()), Mask.NONE),
        new Case(https, List.of("get", "tls/k", "--cacert=" + pki.resolve("missing.crt")), Mask.NONE),
        new Case(https, List.of("get", "tls/k", "--cacert="), Mask.NONE));
    List<String> mismatches = new ArrayList<>();
    for (Case line : cases) {
      for (String format : CtlParityScenarios.FORMATS) {
        CtlRun etcdctl = CtlRun.etcdctl(line.endpoints(), format, null, line.args()).masked(line.mask());
        CtlRun stratactl = CtlRun.stratactl(line.endpoints(), format, null, line.args()).masked(line.mask());
        if (!etcdctl.equals(stratactl)) {
          mismatches.add(String.join(" ", line.args()) + " -w " + format + "\netcdctl:\n" + etcdctl
              + "\nstratactl:\n" + stratactl);
        }
      }
    }
    assertThat(mismatches).isEmpty();
    assertThat(CtlRun.stratactl(https, "simple", null, with(List.of("get", "tls/k"), tlsFlags())))
        .isEqualTo(new CtlRun(0, "tls/k\nv\n", ""));
  }

  @Test
  @Order(20)
  void without_a_client_certificate_both_are_refused_and_nothing_is_written() {
    String https = member.clientUrl();
    List<String> put = List.of("put", "tls/refused", "x", "--cacert=" + tls.clientCa().cert());

    CtlRun etcdctl = CtlRun.etcdctl(https, "simple", null, put);
    CtlRun stratactl = CtlRun.stratactl(https, "simple", null, put);

    // etcdctl keeps redialing until --command-timeout; stratactl gives an endpoint up at its
    // first failed dial (here the refused handshake) and says which one.
    assertThat(etcdctl).isEqualTo(new CtlRun(1, "", "Error: context deadline exceeded\n"));
    assertThat(stratactl)
        .isEqualTo(new CtlRun(1, "", "Error: cannot connect to " + member.clientEndpoint() + " (connection failed)\n"));
    assertThat(cluster.etcdctl(member).run("get", "tls/refused").stdout()).isEmpty();
  }

  @Test
  @Order(30)
  void the_java_client_with_the_ca_and_a_client_certificate_puts_gets_and_watches() throws Exception {
    List<WatchResponse> watched = new CopyOnWriteArrayList<>();
    try (StrataClient client = StrataClient.builder()
        .endpoints(member.clientUrl())
        .trustedCaFile(tls.clientCa().cert())
        .clientCertificate(tls.harnessClient().cert(), tls.harnessClient().key())
        .requestTimeout(Duration.ofSeconds(10))
        .build()) {
      ByteString key = ByteString.copyFromUtf8("tls/java");
      Watcher watcher = client.watch().watch(WatchCreateRequest.newBuilder().setKey(key).build(), new WatchListener() {
        @Override
        public void onNext(WatchResponse response) {
          watched.add(response);
        }
      });
      watcher.created().get(10, java.util.concurrent.TimeUnit.SECONDS);

      long revision = client.kv().put(key, ByteString.copyFromUtf8("over tls")).get(10, java.util.concurrent.TimeUnit.SECONDS)
          .getHeader().getRevision();

      assertThat(client.kv().get(key).get(10, java.util.concurrent.TimeUnit.SECONDS).getKvs(0).getValue().toStringUtf8())
          .isEqualTo("over tls");
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !watched.isEmpty());
      assertThat(watched.get(0).getEvents(0).getKv().getValue().toStringUtf8()).isEqualTo("over tls");
      assertThat(watched.get(0).getEvents(0).getKv().getModRevision()).isEqualTo(revision);
      watcher.close();
    }
    assertThat(cluster.etcdctl(member).run("get", "tls/java", "--print-value-only").stdout()).isEqualTo("over tls\n");
  }

  @Test
  @Order(90)
  void user_logs_in_over_tls_as_with_etcdctl() {
    Etcdctl admin = cluster.etcdctl(member);
    assertThat(admin.run("user", "add", "root:rootpw").stdout()).isEqualTo("User root created\n");
    assertThat(admin.run("user", "add", "tls-user:pw").stdout()).isEqualTo("User tls-user created\n");
    assertThat(admin.run("role", "add", "tls-role").stdout()).isEqualTo("Role tls-role created\n");
    assertThat(admin.run("role", "grant-permission", "tls-role", "readwrite", "tls/", "--prefix=true").stdout())
        .isEqualTo("Role tls-role updated\n");
    assertThat(admin.run("user", "grant-role", "tls-user", "tls-role").stdout())
        .isEqualTo("Role tls-role is granted to user tls-user\n");
    assertThat(admin.run("auth", "enable").stdout()).isEqualTo("Authentication Enabled\n");
    try {
      String https = member.clientUrl();
      List<List<String>> lines = List.of(
          // the token wins over the certificate (CN root): tls-user may write tls/ only
          with(List.of("--user=tls-user:pw", "put", "tls/by-user", "1"), tlsFlags()),
          with(List.of("--user=tls-user:pw", "get", "tls/by-user"), tlsFlags()),
          with(List.of("--user=tls-user:pw", "put", "other", "1"), tlsFlags()));
      for (List<String> line : lines) {
        CtlRun etcdctl = CtlRun.etcdctl(https, "simple", null, line).masked(Mask.REVISIONS);
        CtlRun stratactl = CtlRun.stratactl(https, "simple", null, line).masked(Mask.REVISIONS);
        assertThat(stratactl).as(String.join(" ", line)).isEqualTo(etcdctl);
      }
      assertThat(CtlRun.stratactl(https, "simple", null, lines.get(2)))
          .isEqualTo(new CtlRun(1, "", "Error: etcdserver: permission denied\n"));

      // A refused login: the same message; etcdctl exits 2 (its client could not be made),
      // stratactl 1 (its login happens with the first call, whose failure it reports).
      List<String> wrongPassword = with(List.of("--user=tls-user:wrong", "get", "tls/by-user"), tlsFlags());
      String refused = "Error: etcdserver: authentication failed, invalid user ID or password\n";
      assertThat(CtlRun.etcdctl(https, "simple", null, wrongPassword)).isEqualTo(new CtlRun(2, "", refused));
      assertThat(CtlRun.stratactl(https, "simple", null, wrongPassword)).isEqualTo(new CtlRun(1, "", refused));
    } finally {
      admin.withUser("root:rootpw").run("auth", "disable");
    }
  }
}
