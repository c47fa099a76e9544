package io.strata.raft.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.strata.raft.tls.TestCertificates.Authority;
import io.strata.raft.tls.TestCertificates.Issued;
import io.strata.raft.tls.TestCertificates.KeyFormat;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Loading TLS files as etcd accepts them, and reloading them when they change. */
class TlsMaterialTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "a {0} key is read and matched to its certificate")
  @EnumSource(KeyFormat.class)
  void everyKeyFormatEtcdAcceptsIsRead(KeyFormat format) {
    Authority ca = TestCertificates.authority(dir, "ca");
    Issued server = ca.issue("server", "server", TestCertificates.LOCAL_NAMES, format);

    TlsMaterial tls = TlsMaterial.load("client", new TlsFiles(server.cert(), server.key(), ca.cert(), true));

    assertThat(tls.certificate().getSerialNumber()).isEqualTo(server.serial());
  }

  @Test
  void filesThatCannotBeUsedFailTheStartNamingTheFile() throws IOException {
    Authority ca = TestCertificates.authority(dir, "ca");
    Issued one = ca.server("one");
    Issued two = ca.server("two");
    Path encrypted = dir.resolve("encrypted.key");
    TestCertificates.openssl("pkcs8", "-topk8", "-in", one.key().toString(), "-v2", "aes-256-cbc",
        "-passout", "pass:secret", "-out", encrypted.toString());
    Path empty = Files.writeString(dir.resolve("empty.crt"), "not a certificate\n");

    assertThatThrownBy(() -> TlsMaterial.load("client", new TlsFiles(one.cert(), two.key(), null, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot use the client TLS files: the private key in " + two.key()
            + " does not belong to the certificate in " + one.cert());
    assertThatThrownBy(() -> TlsMaterial.load("peer", new TlsFiles(one.cert(), encrypted, null, false)))
        .hasMessage("cannot use the peer TLS files: " + encrypted + ": encrypted private keys are not supported");
    assertThatThrownBy(() -> TlsMaterial.load("client", new TlsFiles(empty, one.key(), null, false)))
        .hasMessage("cannot use the client TLS files: " + empty + ": no PEM CERTIFICATE block found");
    assertThatThrownBy(() -> TlsMaterial.load("client", new TlsFiles(one.cert(), one.key(), dir.resolve("missing.crt"), true)))
        .hasMessageStartingWith("cannot use the client TLS files: " + dir.resolve("missing.crt"));
  }

  @Test
  void aReplacedCertificateServesNewHandshakesAndBrokenFilesKeepThePreviousOne() throws Exception {
    Authority ca = TestCertificates.authority(dir, "ca");
    Issued first = ca.server("first");
    Path certFile = dir.resolve("server.crt");
    Path keyFile = dir.resolve("server.key");
    install(first, certFile, keyFile);
    TlsMaterial tls = TlsMaterial.load("client", new TlsFiles(certFile, keyFile, null, false));
    assertThat(presentedSerial(tls, ca)).isEqualTo(first.serial());
    assertThat(tls.reloadIfChanged()).as("unchanged files").isFalse();

    Issued second = ca.server("second");
    install(second, certFile, keyFile);
    assertThat(tls.reloadIfChanged()).isTrue();
    assertThat(presentedSerial(tls, ca)).isEqualTo(second.serial());

    Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
    assertThat(tls.reloadIfChanged()).as("an unparsable certificate").isFalse();
    assertThat(presentedSerial(tls, ca)).isEqualTo(second.serial());

    Issued third = ca.server("third");
    Files.copy(third.cert(), certFile, StandardCopyOption.REPLACE_EXISTING);
    assertThat(tls.reloadIfChanged()).as("the new certificate with the old key (key not replaced yet)").isFalse();
    assertThat(presentedSerial(tls, ca)).isEqualTo(second.serial());
    Files.copy(third.key(), keyFile, StandardCopyOption.REPLACE_EXISTING);
    assertThat(tls.reloadIfChanged()).as("the key replaced too").isTrue();
    assertThat(presentedSerial(tls, ca)).isEqualTo(third.serial());
  }

  @Test
  void aScheduledReloadPicksUpAChangeByItself() throws Exception {
    Authority ca = TestCertificates.authority(dir, "ca");
    Path certFile = dir.resolve("server.crt");
    Path keyFile = dir.resolve("server.key");
    install(ca.server("first"), certFile, keyFile);
    TlsMaterial tls = TlsMaterial.load("peer", new TlsFiles(certFile, keyFile, ca.cert(), true));
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try (AutoCloseable reloading = tls.reloadEvery(executor, Duration.ofMillis(20))) {
      Issued second = ca.server("second");
      install(second, certFile, keyFile);
      await().atMost(Duration.ofSeconds(10)).until(() -> tls.certificate().getSerialNumber().equals(second.serial()));
    } finally {
      executor.shutdownNow();
    }
  }

  private static void install(Issued issued, Path certFile, Path keyFile) throws IOException {
    Files.copy(issued.cert(), certFile, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(issued.key(), keyFile, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The serial of the certificate a JDK TLS server built from {@code tls} presents to a new client. */
  private static BigInteger presentedSerial(TlsMaterial tls, Authority ca) throws Exception {
    try (SSLServerSocket server = (SSLServerSocket) tls.sslContext().getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try (SSLSocket accepted = (SSLSocket) server.accept()) {
          accepted.startHandshake();
          accepted.getOutputStream().write(1);
        } catch (IOException ignored) {
          // the client's side reports what went wrong
        }
      });
      acceptor.start();
      BigInteger serial = TlsHandshakes.serverCertificate(server.getLocalPort(), ca.cert(), null, 5000)
          .getSerialNumber();
      acceptor.join(5000);
      return serial;
    }
  }
}
