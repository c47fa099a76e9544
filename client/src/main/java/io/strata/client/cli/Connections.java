package io.strata.client.cli;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.strata.api.etcdserverpb.AuthGrpc;
import io.strata.api.etcdserverpb.AuthenticateRequest;
import io.strata.client.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The gRPC channels of one stratactl invocation. Not thread-safe: used by the command's thread
 * only; {@link #connect} and {@link #connectAny} block for at most {@code --dial-timeout} per
 * endpoint (plus {@code --command-timeout} to log in). {@link #close} shuts every channel down.
 *
 * <p>Dialing: an endpoint is usable once its channel is READY. A channel that fails to connect
 * (TRANSIENT_FAILURE: refused, reset, unresolvable) is given up at once rather than retried until
 * the dial timeout, so a list of endpoints with dead members in front is walked quickly; one that
 * neither connects nor fails (a black hole) is given up after {@code --dial-timeout}.
 *
 * <p>Auth: with {@code --user}, each connection logs in with {@code Auth.Authenticate} and sends
 * the token as the {@code token} header, as etcd's clients do. etcd's simple tokens are valid only
 * on the member that issued them, hence one login per connection.
 */
final class Connections implements AutoCloseable {

  private static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  private final ClientSettings settings;
  private final List<ManagedChannel> channels = new ArrayList<>();

  Connections(ClientSettings settings) {
    this.settings = settings;
  }

  /** The first of {@code endpoints}, in order, that accepts a connection (and a login). */
  Connection connectAny(List<Endpoint> endpoints) throws CtlException, InterruptedException {
    List<String> failures = new ArrayList<>();
    for (Endpoint endpoint : endpoints) {
      try {
        return connect(endpoint);
      } catch (DialException e) {
        failures.add(endpoint + " (" + e.getMessage() + ")");
      }
    }
    if (failures.size() == 1) {
      throw new CtlException("cannot connect to " + failures.get(0));
    }
    throw new CtlException(
        "cannot connect to any endpoint: " + failures.stream().collect(Collectors.joining(", ")));
  }

  /**
   * A connection to {@code endpoint}.
   *
   * @throws DialException if it does not accept a connection
   * @throws CtlException if the login fails
   */
  Connection connect(Endpoint endpoint) throws CtlException, InterruptedException {
    ManagedChannel managed =
        Grpc.newChannelBuilderForAddress(
                endpoint.host(), endpoint.port(), InsecureChannelCredentials.create())
            .build();
    channels.add(managed);
    awaitReady(managed);
    Channel channel = managed;
    if (settings.credentials().isPresent()) {
      channel = ClientInterceptors.intercept(managed, tokenHeader(login(managed)));
    }
    return new Connection(endpoint, channel, settings.commandTimeout());
  }

  private void awaitReady(ManagedChannel channel) throws DialException, InterruptedException {
    long deadline = System.nanoTime() + settings.dialTimeout().toNanos();
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY) {
      if (state == ConnectivityState.TRANSIENT_FAILURE || state == ConnectivityState.SHUTDOWN) {
        throw new DialException("connection failed");
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw new DialException(
            "not connected within --dial-timeout " + DurationFormat.of(settings.dialTimeout()));
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      changed.await(remaining, TimeUnit.NANOSECONDS);
      state = channel.getState(true);
    }
  }

  private String login(ManagedChannel channel) throws CtlException {
    ClientSettings.Credentials credentials = settings.credentials().orElseThrow();
    try {
      return AuthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(settings.commandTimeout().toNanos(), TimeUnit.NANOSECONDS)
          .authenticate(
              AuthenticateRequest.newBuilder()
                  .setName(credentials.user())
                  .setPassword(credentials.password())
                  .build())
          .getToken();
    } catch (StatusRuntimeException e) {
      throw new CtlException(RpcErrors.message(e, settings.commandTimeout()));
    }
  }

  private static io.grpc.ClientInterceptor tokenHeader(String token) {
    Metadata headers = new Metadata();
    headers.put(TOKEN, token);
    return MetadataUtils.newAttachHeadersInterceptor(headers);
  }

  @Override
  public void close() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    channels.clear();
  }

  /** An endpoint that did not accept a connection; the message says how. */
  static final class DialException extends CtlException {
    private static final long serialVersionUID = 1L;

    DialException(String message) {
      super(message);
    }
  }
}
