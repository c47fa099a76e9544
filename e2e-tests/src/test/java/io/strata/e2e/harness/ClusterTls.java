package io.strata.e2e.harness;

import io.strata.raft.tls.TestCertificates;
import io.strata.raft.tls.TestCertificates.Authority;
import io.strata.raft.tls.TestCertificates.Issued;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS for a test cluster, with certificates made at test time: a client CA signing the members'
 * server certificate (SANs 127.0.0.1 and localhost) and the harness's own client certificate
 * (CN {@code root}), and a peer CA signing the members' peer certificate. All members share the
 * certificates, as they all run on 127.0.0.1. The flags are etcd's, so the same value configures
 * etcd and Strata members ({@link ProcessCluster#useTls}).
 *
 * @param clientCa           the client CA ({@code --trusted-ca-file}, etcdctl's {@code --cacert})
 * @param server             the members' client-side certificate ({@code --cert-file}, {@code --key-file})
 * @param clientCertAuth     {@code --client-cert-auth}
 * @param peerCa             the peer CA ({@code --peer-trusted-ca-file}); null for plaintext peers
 * @param peer               the members' peer certificate; null for plaintext peers
 * @param peerClientCertAuth {@code --peer-client-cert-auth}
 * @param harnessClient      the certificate the harness (and {@link Cluster#etcdctl}) presents
 */
public record ClusterTls(
    Authority clientCa,
    Issued server,
    boolean clientCertAuth,
    Authority peerCa,
    Issued peer,
    boolean peerClientCertAuth,
    Issued harnessClient) {

  /** Mutual TLS for clients and peers (client-cert-auth on both sides), certificates made in {@code dir}. */
  public static ClusterTls mutual(Path dir) {
    Authority clientCa = TestCertificates.authority(dir, "client-ca");
    Authority peerCa = TestCertificates.authority(dir, "peer-ca");
    return new ClusterTls(clientCa, clientCa.server("server"), true, peerCa, peerCa.server("peer"), true,
        clientCa.client("harness-root", "root"));
  }

  /** The same client side; the peer side uses {@code peer} signed by {@code ca} (e.g. another CA's). */
  public ClusterTls withPeer(Authority ca, Issued peerCertificate) {
    return new ClusterTls(clientCa, server, clientCertAuth, ca, peerCertificate, peerClientCertAuth, harnessClient);
  }

  /** Whether the peer URLs are https. */
  public boolean peerTls() {
    return peer != null;
  }

  /** etcd's TLS flags for a member. */
  public List<String> flags() {
    List<String> flags = new ArrayList<>(List.of(
        "--cert-file", server.cert().toString(),
        "--key-file", server.key().toString(),
        "--trusted-ca-file", clientCa.cert().toString()));
    if (clientCertAuth) {
      flags.add("--client-cert-auth");
    }
    if (peer != null) {
      flags.addAll(List.of(
          "--peer-cert-file", peer.cert().toString(),
          "--peer-key-file", peer.key().toString(),
          "--peer-trusted-ca-file", peerCa.cert().toString()));
      if (peerClientCertAuth) {
        flags.add("--peer-client-cert-auth");
      }
    }
    return flags;
  }
}
