package io.strata.client.cli;

import io.strata.client.Endpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What stratactl's global flags ask for: where to connect and how, how long to wait, who to be and
 * how to print. Immutable.
 *
 * @param endpoints {@code --endpoints}, tried in order, as written (the scheme chooses TLS)
 * @param dialTimeout {@code --dial-timeout}: how long one endpoint may take to accept a connection
 * @param commandTimeout {@code --command-timeout}: the deadline of each call, dialing excluded
 * @param output {@code -w/--write-out}
 * @param credentials {@code --user} (and {@code --password}), if given
 * @param transport the TLS flags
 */
record ClientSettings(
    List<Endpoint.Url> endpoints,
    Duration dialTimeout,
    Duration commandTimeout,
    OutputFormat output,
    Optional<Credentials> credentials,
    Transport transport) {

  ClientSettings {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    Objects.requireNonNull(dialTimeout, "dialTimeout");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(transport, "transport");
  }

  /** A user name and password for etcd's {@code Auth.Authenticate}. */
  record Credentials(String user, String password) {
    @Override
    public String toString() {
      return "Credentials[user=" + user + "]"; // never the password
    }
  }

  /**
   * etcdctl 3.4's TLS flags and its rules for them. An endpoint's scheme decides first: {@code
   * http://} is plaintext (the TLS flags are ignored), {@code https://} is TLS (with the JVM's
   * trust store unless TLS is {@link #configured()}). An endpoint without a scheme is TLS when TLS
   * is configured, else plaintext. {@code --insecure-skip-tls-verify} applies only when TLS is
   * configured. A connection to several endpoints follows the first one's scheme.
   *
   * @param caCert {@code --cacert}: trust servers whose certificate this CA bundle signed
   * @param cert {@code --cert}: the client certificate (needs {@code key})
   * @param key {@code --key}: the client certificate's private key (needs {@code cert})
   * @param insecureSkipVerify {@code --insecure-skip-tls-verify}: check no server certificate
   * @param insecureTransport {@code --insecure-transport} (default true): false asks for TLS even
   *     without TLS files
   */
  record Transport(
      Optional<Path> caCert,
      Optional<Path> cert,
      Optional<Path> key,
      boolean insecureSkipVerify,
      boolean insecureTransport) {

    static final Transport PLAINTEXT =
        new Transport(Optional.empty(), Optional.empty(), Optional.empty(), false, true);

    /** Whether TLS is set up from the flags (etcdctl's non-nil TLS config). */
    boolean configured() {
      return caCert.isPresent() || cert.isPresent() || key.isPresent() || !insecureTransport;
    }

    /** Whether a connection whose first endpoint has {@code scheme} speaks TLS. */
    boolean tls(Endpoint.Scheme scheme) {
      return switch (scheme) {
        case HTTP -> false;
        case HTTPS -> true;
        case NONE -> configured();
      };
    }
  }
}
