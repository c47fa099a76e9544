package io.strata.client.internal;

import io.strata.client.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@code StrataClient.Builder} collected. Immutable.
 *
 * @param endpoints the members' client endpoints
 * @param tls TLS settings; empty for plaintext
 * @param connectTimeout how long a connection to one endpoint may take to open
 * @param requestTimeout the deadline of one call, all its retries included
 * @param keepAliveTime the interval of HTTP/2 keep-alive pings; empty: none
 * @param keepAliveTimeout how long a keep-alive ping may go unanswered before the connection is dropped
 * @param credentials user and password for etcd's Authenticate; empty: no auth
 * @param requestIds whether writes carry request ids and are retried with the retry marker
 */
public record ClientConfig(
    List<Endpoint> endpoints,
    Optional<Tls> tls,
    Duration connectTimeout,
    Duration requestTimeout,
    Optional<Duration> keepAliveTime,
    Duration keepAliveTimeout,
    Optional<Credentials> credentials,
    boolean requestIds) {

  public ClientConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(keepAliveTime, "keepAliveTime");
    Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
    Objects.requireNonNull(credentials, "credentials");
  }

  /**
   * TLS: trust the server certificates the CA file signs (the JVM's trust store when empty), show
   * a client certificate when both files are given, and check the server's name against
   * {@code serverName} instead of the endpoint's host when given; with {@code insecureSkipVerify}
   * check neither the server certificate's signer nor its name.
   */
  public record Tls(Optional<Path> trustedCaFile, Optional<Path> certFile, Optional<Path> keyFile,
      Optional<String> serverName, boolean insecureSkipVerify) {
    public Tls {
      if (certFile.isPresent() != keyFile.isPresent()) {
        throw new IllegalArgumentException("a client certificate needs both the cert file and the key file");
      }
    }
  }

  /** A user name and password for etcd's Authenticate. */
  public record Credentials(String user, String password) {
    @Override
    public String toString() {
      return "Credentials[user=" + user + "]"; // never the password
    }
  }
}
