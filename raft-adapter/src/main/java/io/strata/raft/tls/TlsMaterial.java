package io.strata.raft.tls;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate, key and trusted CAs of one side (clients or peers), read from {@link TlsFiles}
 * and re-read when the files change: every new TLS handshake uses what was loaded last, while
 * established connections keep the session they negotiated. A changed file set that cannot be used
 * (unparsable, or a key that does not match the certificate, e.g. halfway through replacing both)
 * is logged as an error and the previous material stays in use until the files are fixed.
 *
 * <p>Threading: thread-safe. The key and trust managers are read by TLS handshakes on any thread;
 * {@link #reloadIfChanged()} may run on any thread (one at a time, it is synchronized).
 */
public final class TlsMaterial {
  /** How often {@link #reloadEvery} looks at the files (they are small; a look reads them). */
  public static final Duration RELOAD_INTERVAL = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);

  private final String purpose;
  private final TlsFiles files;
  private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trustManager;
  /** The file contents in use: certificate, key, CA (empty without a CA file). */
  private byte[][] loaded;
  /** The last file contents that could not be used; not reported twice. */
  private byte[][] lastRefused;
  private volatile X509Certificate certificate;

  private TlsMaterial(String purpose, TlsFiles files) throws GeneralSecurityException {
    this.purpose = purpose;
    this.files = files;
    this.trustManager = AdvancedTlsX509TrustManager.newBuilder()
        .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
        .build();
  }

  /**
   * Reads {@code files}; {@code purpose} names them in messages ("client", "peer").
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static TlsMaterial load(String purpose, TlsFiles files) {
    if (files.certFile() == null || files.keyFile() == null) {
      throw new IllegalArgumentException(purpose + " TLS needs both a certificate and a key file");
    }
    try {
      TlsMaterial material = new TlsMaterial(purpose, files);
      byte[][] contents = material.read();
      material.use(contents);
      material.loaded = contents;
      if (files.trustedCaFile() == null) {
        material.trustManager.useSystemDefaultTrustCerts();
      }
      return material;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use the " + purpose + " TLS files: " + e.getMessage(), e);
    }
  }

  public TlsFiles files() {
    return files;
  }

  /** The certificate presented in new handshakes. */
  public X509Certificate certificate() {
    return certificate;
  }

  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /**
   * Checks certificates against the trusted CAs (or the JDK's default roots without a CA file);
   * as a client it also checks that the server's certificate names the host dialled.
   */
  public X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /** For a gRPC server: presents the certificate; asks for client certificates as {@link TlsFiles#requiresClientCertificates()} says. */
  public ServerCredentials serverCredentials() {
    return TlsServerCredentials.newBuilder()
        .keyManager(keyManager)
        .trustManager(trustManager)
        .clientAuth(files.requiresClientCertificates()
            ? TlsServerCredentials.ClientAuth.REQUIRE : TlsServerCredentials.ClientAuth.NONE)
        .build();
  }

  /** For a gRPC channel to a server of this side: presents the certificate, verifies the server's. */
  public ChannelCredentials channelCredentials() {
    return TlsChannelCredentials.newBuilder().keyManager(keyManager).trustManager(trustManager).build();
  }

  /** For a JDK server (the HTTP endpoints): same managers; the caller sets client authentication. */
  public SSLContext sslContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager}, new TrustManager[] {trustManager}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no TLS context", e);
    }
  }

  /**
   * Reads the files and, when they changed and are usable, puts them in use for new handshakes.
   * Returns true when new material was put in use. Never throws: a failure is logged (once per
   * distinct file contents) and the previous material stays in use.
   */
  public synchronized boolean reloadIfChanged() {
    byte[][] contents;
    try {
      contents = read();
    } catch (IOException e) {
      String message = e.toString();
      if (lastRefused == null || lastRefused.length != 0) {
        LOG.error("cannot read the {} TLS files ({}); still using the certificate loaded before", purpose, message);
        lastRefused = new byte[0][];
      }
      return false;
    }
    if (Arrays.deepEquals(contents, loaded)) {
      lastRefused = null;
      return false;
    }
    if (Arrays.deepEquals(contents, lastRefused)) {
      return false;
    }
    try {
      use(contents);
      loaded = contents;
      lastRefused = null;
      LOG.info("reloaded the {} TLS files: now presenting {}", purpose, describe(certificate));
      return true;
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      lastRefused = contents;
      LOG.error("the changed {} TLS files cannot be used ({}); still using the certificate loaded before ({})",
          purpose, e.getMessage(), describe(certificate));
      return false;
    }
  }

  /** Calls {@link #reloadIfChanged()} every {@code interval} on {@code executor} until the returned handle is closed. */
  public AutoCloseable reloadEvery(ScheduledExecutorService executor, Duration interval) {
    ScheduledFuture<?> task = executor.scheduleWithFixedDelay(this::reloadIfChanged,
        interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return () -> task.cancel(false);
  }

  private byte[][] read() throws IOException {
    return new byte[][] {
        Files.readAllBytes(files.certFile()),
        Files.readAllBytes(files.keyFile()),
        files.trustedCaFile() == null ? new byte[0] : Files.readAllBytes(files.trustedCaFile())};
  }

  /** Parses and checks everything first, then swaps: nothing changes unless all of it is usable. */
  private void use(byte[][] contents) throws GeneralSecurityException, IOException {
    List<X509Certificate> chain = PemFiles.certificates(contents[0], files.certFile().toString());
    PrivateKey key = PemFiles.privateKey(contents[1], files.keyFile().toString());
    if (!keyMatches(key, chain.get(0))) {
      throw new GeneralSecurityException("the private key in " + files.keyFile()
          + " does not belong to the certificate in " + files.certFile());
    }
    List<X509Certificate> roots = files.trustedCaFile() == null ? null
        : PemFiles.certificates(contents[2], files.trustedCaFile().toString());
    if (roots != null) {
      trustManager.updateTrustCredentials(roots.toArray(X509Certificate[]::new));
    }
    keyManager.updateIdentityCredentials(chain.toArray(X509Certificate[]::new), key);
    certificate = chain.get(0);
  }

  /** Signs with the key and verifies with the certificate's public key. */
  private static boolean keyMatches(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> key.getAlgorithm(); // Ed25519, Ed448
    };
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    try {
      verifier.initVerify(certificate.getPublicKey());
    } catch (GeneralSecurityException wrongKind) {
      return false;
    }
    verifier.update(probe);
    return verifier.verify(signature);
  }

  static String describe(X509Certificate certificate) {
    return certificate == null ? "none" : "'" + certificate.getSubjectX500Principal().getName()
        + "' serial " + certificate.getSerialNumber().toString(16) + ", valid until " + certificate.getNotAfter().toInstant();
  }
}
