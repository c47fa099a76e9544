package io.strata.client.cli;

import io.strata.client.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What stratactl's global flags ask for: where to connect, how long to wait, who to be and how to
 * print. Immutable.
 *
 * @param endpoints {@code --endpoints}, tried in order
 * @param dialTimeout {@code --dial-timeout}: how long one endpoint may take to accept a connection
 * @param commandTimeout {@code --command-timeout}: the deadline of each call, dialing excluded
 * @param output {@code -w/--write-out}
 * @param credentials {@code --user} (and {@code --password}), if given
 */
record ClientSettings(
    List<Endpoint> endpoints,
    Duration dialTimeout,
    Duration commandTimeout,
    OutputFormat output,
    Optional<Credentials> credentials) {

  ClientSettings {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    Objects.requireNonNull(dialTimeout, "dialTimeout");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(credentials, "credentials");
  }

  /** A user name and password for etcd's {@code Auth.Authenticate}. */
  record Credentials(String user, String password) {
    @Override
    public String toString() {
      return "Credentials[user=" + user + "]"; // never the password
    }
  }
}
