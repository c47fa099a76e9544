package io.strata.deploy;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.strata.raft.tls.TlsFiles;
import io.strata.raft.tls.TlsMaterial;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The TLS files {@code strata-pod} presents when it calls the cluster itself (member list, add and
 * remove through the client Service and the pods): needed exactly when the members' client URLs
 * are {@code https://} ({@link PodIdentity#clientTls()}). The files are read as the server reads
 * its own (PEM; PKCS#8, PKCS#1 or SEC1 keys, so cert-manager's Secrets work as they are), and the
 * member's certificate is checked against the CA file and the host dialled.
 *
 * <p>Threading: immutable.
 *
 * @param certFile      client certificate, {@value #CERT_FILE}
 * @param keyFile       its key, {@value #KEY_FILE}
 * @param trustedCaFile CA of the members' client-facing certificate, {@value #TRUSTED_CA_FILE};
 *                      null for the JDK's default roots
 */
public record PodClientTls(Path certFile, Path keyFile, Path trustedCaFile) {
  public static final String CERT_FILE = "STRATA_POD_CLIENT_CERT_FILE";
  public static final String KEY_FILE = "STRATA_POD_CLIENT_KEY_FILE";
  public static final String TRUSTED_CA_FILE = "STRATA_POD_CLIENT_TRUSTED_CA_FILE";

  /**
   * The files from the pod's environment, or empty when the pod's client URLs are plaintext.
   *
   * @throws IllegalArgumentException when the client URLs are https but certificate or key is not set
   */
  public static Optional<PodClientTls> fromEnvironment(PodIdentity pod, Map<String, String> env) {
    if (!pod.clientTls()) {
      return Optional.empty();
    }
    String cert = env.get(CERT_FILE);
    String key = env.get(KEY_FILE);
    if (cert == null || cert.isBlank() || key == null || key.isBlank()) {
      throw new IllegalArgumentException("the client URLs are https (" + PodIdentity.CERT_FILE + " is set), so "
          + CERT_FILE + " and " + KEY_FILE + " must name the client certificate and key strata-pod calls the"
          + " cluster with");
    }
    String ca = env.get(TRUSTED_CA_FILE);
    return Optional.of(new PodClientTls(Path.of(cert.trim()), Path.of(key.trim()),
        ca == null || ca.isBlank() ? null : Path.of(ca.trim())));
  }

  /** Credentials for a channel to a member's client port: these files, or plaintext without them. */
  static ChannelCredentials credentials(Optional<PodClientTls> tls) {
    return tls.map(PodClientTls::credentials).orElseGet(InsecureChannelCredentials::create);
  }

  /**
   * Reads the files now (a pod's calls are few, so the files are not watched).
   *
   * @throws IllegalArgumentException naming the file that cannot be used
   */
  ChannelCredentials credentials() {
    return TlsMaterial.load("strata-pod client", new TlsFiles(certFile, keyFile, trustedCaFile, false))
        .channelCredentials();
  }
}
