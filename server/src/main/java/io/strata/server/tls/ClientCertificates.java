package io.strata.server.tls;

import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The user a client certificate names, as etcd takes it with {@code --client-cert-auth}: the
 * common name of the certificate the client presented (and the TLS handshake verified against
 * {@code --trusted-ca-file}).
 *
 * <p>Threading: stateless.
 */
public final class ClientCertificates {
  private ClientCertificates() {}

  /** The common name of the call's client certificate; empty without TLS, without a certificate or without a CN. */
  public static String commonName(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return "";
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length == 0 || !(chain[0] instanceof X509Certificate leaf) ? "" : commonName(leaf);
    } catch (SSLPeerUnverifiedException noCertificate) {
      return "";
    }
  }

  /** Like Go's {@code pkix.Name.CommonName}: the last CN attribute of the subject, in certificate order. */
  static String commonName(X509Certificate certificate) {
    try {
      String name = "";
      // LdapName lists the RDNs in certificate (DER) order; the string form is reversed.
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          name = rdn.getValue().toString();
        }
      }
      return name;
    } catch (InvalidNameException e) {
      return "";
    }
  }
}
