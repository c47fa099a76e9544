package io.strata.raft.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens a TLS connection to a server with the JDK's own client and reports what the server
 * presented, as an operator's {@code openssl s_client} would.
 *
 * <p>Threading: stateless.
 */
public final class TlsHandshakes {
  private TlsHandshakes() {}

  /**
   * The certificate {@code 127.0.0.1:port} presents to a client that trusts {@code caFile} and, when
   * {@code clientCert} is not null, presents that certificate. The first byte after the handshake
   * is awaited (a server that refuses the client's certificate says so with an alert then, in TLS
   * 1.3), up to {@code readTimeoutMs}; a server that stays silent passes.
   *
   * @throws IOException when the handshake or that read fails
   */
  public static X509Certificate serverCertificate(int port, Path caFile, TestCertificates.Issued clientCert,
      int readTimeoutMs) throws IOException {
    try (SSLSocket socket = (SSLSocket) clientContext(caFile, clientCert).getSocketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(readTimeoutMs);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"}); // gRPC servers insist on HTTP/2
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      X509Certificate presented = (X509Certificate) socket.getSession().getPeerCertificates()[0];
      // HTTP/2 servers speak first (their SETTINGS frame); a refused client gets an alert instead.
      try {
        InputStream in = socket.getInputStream();
        in.read();
      } catch (java.net.SocketTimeoutException silent) {
        // nothing refused within the timeout
      }
      return presented;
    }
  }

  /** A JDK TLS context that trusts {@code caFile} and presents {@code clientCert} unless it is null. */
  public static SSLContext clientContext(Path caFile, TestCertificates.Issued clientCert) {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (X509Certificate ca : PemFiles.certificates(Files.readAllBytes(caFile), caFile.toString())) {
        trust.setCertificateEntry("ca" + i++, ca);
      }
      TrustManagerFactory trustFactory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustFactory.init(trust);
      KeyManager[] keys = null;
      if (clientCert != null) {
        KeyStore identity = KeyStore.getInstance(KeyStore.getDefaultType());
        identity.load(null, null);
        List<X509Certificate> chain = PemFiles.certificates(Files.readAllBytes(clientCert.cert()), "cert");
        identity.setKeyEntry("me", PemFiles.privateKey(Files.readAllBytes(clientCert.key()), "key"),
            new char[0], chain.toArray(X509Certificate[]::new));
        KeyManagerFactory keyFactory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyFactory.init(identity, new char[0]);
        keys = keyFactory.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys, trustFactory.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
