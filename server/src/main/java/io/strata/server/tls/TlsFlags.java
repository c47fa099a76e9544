package io.strata.server.tls;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * etcd's TLS flags for the client and the peer side (a picocli mixin of the server's flags; each
 * may come from the environment as {@code STRATA_<FLAG>} like every other flag).
 *
 * <p>Threading: filled in by picocli before the server starts; read-only afterwards.
 */
public final class TlsFlags {
  @Option(names = "--cert-file", description = "Path to the client server TLS cert file (PEM).")
  public Path certFile;

  @Option(names = "--key-file", description = "Path to the client server TLS key file (PEM: PKCS#8, PKCS#1 or EC).")
  public Path keyFile;

  @Option(names = "--trusted-ca-file", description = "Path to the client server TLS trusted CA cert file;"
      + " as in etcd, clients must then present a certificate it signed.")
  public Path trustedCaFile;

  @Option(names = "--client-cert-auth", description = "Enable client cert authentication: a client needs a"
      + " certificate signed by --trusted-ca-file, and with auth enabled a request without a token acts as"
      + " the user named by the certificate's common name.")
  public boolean clientCertAuth;

  @Option(names = "--peer-cert-file", description = "Path to the peer server TLS cert file (PEM).")
  public Path peerCertFile;

  @Option(names = "--peer-key-file", description = "Path to the peer server TLS key file (PEM).")
  public Path peerKeyFile;

  @Option(names = "--peer-trusted-ca-file", description = "Path to the peer server TLS trusted CA file;"
      + " peers must then present a certificate it signed.")
  public Path peerTrustedCaFile;

  @Option(names = "--peer-client-cert-auth", description = "Enable peer client cert authentication.")
  public boolean peerClientCertAuth;
}
