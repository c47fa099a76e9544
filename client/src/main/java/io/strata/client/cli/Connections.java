package io.strata.client.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.client.Endpoint;
import io.strata.client.StrataClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * The {@link StrataClient}s of one stratactl invocation: one per {@link Connection}, built from
 * the global flags ({@code --dial-timeout} as the connect timeout, {@code --command-timeout} as
 * the request timeout, {@code --user}, the TLS flags). Not thread-safe: used by the command's
 * thread only; {@link #connect} and {@link #connectAny} block for at most {@code --dial-timeout}
 * per endpoint. {@link #close} closes every client.
 *
 * <p>Dialing ({@link StrataClient#connect}): an endpoint is usable once its connection is open.
 * One that fails to connect (refused, reset, unresolvable, TLS handshake refused) is given up at
 * once rather than retried until the dial timeout, so a list of endpoints with dead members in
 * front is walked quickly; one that neither connects nor fails (a black hole) is given up after
 * {@code --dial-timeout}.
 *
 * <p>Auth: with {@code --user}, each client logs in with etcd's {@code Authenticate} on its first
 * call and sends the token with every call (logging in again once if a member refuses it).
 */
final class Connections implements AutoCloseable {

  private final ClientSettings settings;
  private final List<StrataClient> clients = new ArrayList<>();

  Connections(ClientSettings settings) {
    this.settings = settings;
  }

  /**
   * A connection to the cluster behind {@code endpoints}: the first of them, in order, that
   * accepts a connection is dialed; calls then go to any of them, moving on from one that fails
   * (the client library's balancing and failover); per-member calls go to the one dialed.
   */
  Connection connectAny(List<Endpoint.Url> endpoints) throws CtlException, InterruptedException {
    StrataClient client = open(endpoints);
    List<String> failures = new ArrayList<>();
    for (Endpoint.Url url : endpoints) {
      try {
        dial(client, url.endpoint());
        return new Connection(client, url.endpoint(), settings.commandTimeout());
      } catch (DialException e) {
        failures.add(url.endpoint() + " (" + e.getMessage() + ")");
      }
    }
    if (failures.size() == 1) {
      throw new CtlException("cannot connect to " + failures.get(0));
    }
    throw new CtlException(
        "cannot connect to any endpoint: " + failures.stream().collect(Collectors.joining(", ")));
  }

  /**
   * A connection to {@code target} alone: every call goes to its member.
   *
   * @throws DialException if it does not accept a connection
   */
  Connection connect(Endpoint.Url target) throws CtlException, InterruptedException {
    StrataClient client = open(List.of(target));
    dial(client, target.endpoint());
    return new Connection(client, target.endpoint(), settings.commandTimeout());
  }

  private void dial(StrataClient client, Endpoint endpoint)
      throws DialException, InterruptedException {
    try {
      client.connect(endpoint, settings.dialTimeout()).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException failure
          && failure.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw new DialException(
            "not connected within --dial-timeout " + DurationFormat.of(settings.dialTimeout()));
      }
      throw new DialException("connection failed");
    }
  }

  /** A client for {@code endpoints}, speaking TLS or not as the first one's scheme and the flags say. */
  private StrataClient open(List<Endpoint.Url> endpoints) throws CtlException {
    StrataClient.Builder builder =
        StrataClient.builder()
            .endpoints(endpoints.stream().map(url -> url.endpoint().toString()).toList())
            .connectTimeout(settings.dialTimeout())
            .requestTimeout(settings.commandTimeout());
    settings.credentials().ifPresent(c -> builder.credentials(c.user(), c.password()));
    ClientSettings.Transport transport = settings.transport();
    if (transport.tls(endpoints.get(0).scheme())) {
      builder.tls();
      if (transport.configured()) {
        configureTls(builder, transport);
      }
    }
    StrataClient client;
    try {
      client = builder.build();
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw CtlException.badArgs(e.getMessage());
    }
    clients.add(client);
    return client;
  }

  /**
   * The TLS files and options, checked as etcdctl checks them: certificate and key come together,
   * and each file must be readable (read in etcdctl's order: certificate, key, CA).
   */
  private static void configureTls(StrataClient.Builder builder, ClientSettings.Transport transport)
      throws CtlException {
    if (transport.cert().isPresent() != transport.key().isPresent()) {
      throw CtlException.badArgs(
          "KeyFile and CertFile must both be present[key: " + name(transport.key()) + ", cert: "
              + name(transport.cert()) + "]");
    }
    for (Optional<Path> file : List.of(transport.cert(), transport.key(), transport.caCert())) {
      if (file.isPresent()) {
        readable(file.get());
      }
    }
    transport.caCert().ifPresent(builder::trustedCaFile);
    if (transport.cert().isPresent()) {
      builder.clientCertificate(transport.cert().get(), transport.key().get());
    }
    if (transport.insecureSkipVerify()) {
      builder.insecureSkipVerify();
    }
  }

  private static String name(Optional<Path> file) {
    return file.map(Path::toString).orElse("");
  }

  /** Fails as Go's os.Open words it ({@code open x: no such file or directory}) unless readable. */
  private static void readable(Path file) throws CtlException {
    try (var in = Files.newInputStream(file)) {
      in.read();
    } catch (NoSuchFileException e) {
      throw CtlException.badArgs("open " + file + ": no such file or directory");
    } catch (AccessDeniedException e) {
      throw CtlException.badArgs("open " + file + ": permission denied");
    } catch (IOException e) {
      throw CtlException.badArgs("open " + file + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    clients.forEach(StrataClient::close);
    clients.clear();
  }

  /** An endpoint that did not accept a connection; the message says how. */
  static final class DialException extends CtlException {
    private static final long serialVersionUID = 1L;

    DialException(String message) {
      super(message);
    }
  }
}
