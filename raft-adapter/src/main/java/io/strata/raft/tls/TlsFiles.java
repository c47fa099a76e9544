package io.strata.raft.tls;

import java.nio.file.Path;

/**
 * One side's TLS files, as etcd's flags name them ({@code --cert-file}, {@code --key-file},
 * {@code --trusted-ca-file}, {@code --client-cert-auth}, or their {@code --peer-} forms).
 *
 * @param certFile       PEM certificate (chain) this side presents
 * @param keyFile        PEM private key of {@code certFile}
 * @param trustedCaFile  PEM CA certificates that sign the other side's certificates; null for the
 *                       JDK's default trust store
 * @param clientCertAuth require a client certificate signed by {@code trustedCaFile}
 */
public record TlsFiles(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth) {

  /**
   * Whether a server asks connecting clients for a certificate and refuses those without a valid
   * one. As in etcd 3.4 ({@code TLSInfo.ServerConfig}), naming a trusted CA file is enough.
   */
  public boolean requiresClientCertificates() {
    return clientCertAuth || trustedCaFile != null;
  }
}
