package io.strata.client.internal;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.strata.client.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One gRPC channel per endpoint, opened on first use and kept until {@link #close}. A channel
 * whose connection failed is told to reconnect at once when it is next asked for (grpc-java would
 * otherwise wait out its exponential reconnect backoff, up to two minutes, after a member restart).
 *
 * <p>Threading: thread-safe; {@link #get} never blocks on the network.
 */
public final class Channels implements AutoCloseable {
  private final ClientConfig config;
  private final ChannelCredentials credentials;
  private final Executor executor;
  private final Function<Endpoint, ManagedChannel> opener;
  private final Map<Endpoint, ManagedChannel> channels = new HashMap<>();
  private boolean closed;

  public Channels(ClientConfig config, Executor executor) {
    this.config = config;
    this.executor = executor;
    this.credentials = credentials(config);
    this.opener = this::open;
  }

  /** Channels made by {@code opener} (tests: in-process channels). */
  public Channels(Function<Endpoint, ManagedChannel> opener) {
    this.config = null;
    this.executor = null;
    this.credentials = null;
    this.opener = opener;
  }

  /** The channel credentials {@code config} asks for: TLS from PEM files, or plaintext. */
  public static ChannelCredentials credentials(ClientConfig config) {
    if (config.tls().isEmpty()) {
      return InsecureChannelCredentials.create();
    }
    ClientConfig.Tls tls = config.tls().get();
    TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
    try {
      if (tls.insecureSkipVerify()) {
        builder.trustManager(new TrustingAnyServer());
      } else if (tls.trustedCaFile().isPresent()) {
        builder.trustManager(tls.trustedCaFile().get().toFile());
      }
      if (tls.certFile().isPresent()) {
        builder.keyManager(tls.certFile().get().toFile(), tls.keyFile().orElseThrow().toFile());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS files: " + e.getMessage(), e);
    }
    return builder.build();
  }

  /** The channel of {@code endpoint}. */
  public ManagedChannel get(Endpoint endpoint) {
    ManagedChannel channel;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the client is closed");
      }
      channel = channels.computeIfAbsent(endpoint, opener);
    }
    if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      channel.resetConnectBackoff();
    }
    return channel;
  }

  /**
   * Opens {@code endpoint}'s connection and completes once it can carry calls. One attempt: fails
   * with UNAVAILABLE as soon as the attempt fails, or with DEADLINE_EXCEEDED when it has not
   * succeeded within {@code timeout}. A channel whose earlier attempt failed makes a fresh one
   * ({@link #get} resets its backoff), and only the outcome of that one counts. The future
   * completes on {@code executor}.
   */
  public CompletableFuture<Void> connect(Endpoint endpoint, Duration timeout, ScheduledExecutorService scheduler,
      Executor executor) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    ManagedChannel channel;
    try {
      channel = get(endpoint);
    } catch (IllegalStateException closed) {
      ready.completeExceptionally(Status.CANCELLED.withDescription("the client is closed").asRuntimeException());
      return ready;
    }
    ScheduledFuture<?> timer;
    try {
      timer = scheduler.schedule(() -> executor.execute(() -> ready.completeExceptionally(
          Status.DEADLINE_EXCEEDED.withDescription("not connected within " + Invoker.format(timeout))
              .asRuntimeException())), timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      ready.completeExceptionally(Status.CANCELLED.withDescription("the client is closed").asRuntimeException());
      return ready;
    }
    ready.whenComplete((ok, failure) -> timer.cancel(false));
    followState(channel, ready, true);
    return ready;
  }

  /** Completes {@code ready} when {@code channel} is READY, fails it when an attempt failed. */
  private static void followState(ManagedChannel channel, CompletableFuture<Void> ready, boolean first) {
    if (ready.isDone()) {
      return;
    }
    ConnectivityState state = channel.getState(true);
    switch (state) {
      case READY -> ready.complete(null);
      case SHUTDOWN -> ready.completeExceptionally(
          Status.CANCELLED.withDescription("the client is closed").asRuntimeException());
      case TRANSIENT_FAILURE -> {
        if (first) {
          // the failure of an earlier attempt: wait for the one the reset backoff starts
          channel.notifyWhenStateChanged(state, () -> followState(channel, ready, false));
        } else {
          ready.completeExceptionally(Status.UNAVAILABLE.withDescription("connection failed").asRuntimeException());
        }
      }
      default -> channel.notifyWhenStateChanged(state, () -> followState(channel, ready, false));
    }
  }

  private ManagedChannel open(Endpoint endpoint) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port(), credentials)
        .executor(executor)
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
        .maxInboundMessageSize(Integer.MAX_VALUE);
    config.tls().flatMap(ClientConfig.Tls::serverName).ifPresent(builder::overrideAuthority);
    config.keepAliveTime().ifPresent(time -> builder
        .keepAliveTime(time.toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(config.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveWithoutCalls(true));
    return builder.build();
  }

  /**
   * Accepts any server certificate, checking neither its chain nor its name (TLS's encryption
   * without its authentication). An {@link X509ExtendedTrustManager}, so that the JDK does not add
   * its own host name check around it. Refuses to judge clients: it serves client connections only.
   */
  private static final class TrustingAnyServer extends X509ExtendedTrustManager {
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a client's trust manager does not check clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** Shuts every channel down at once (calls in flight fail with CANCELLED/UNAVAILABLE). */
  @Override
  public void close() {
    List<ManagedChannel> open;
    synchronized (this) {
      closed = true;
      open = List.copyOf(channels.values());
      channels.clear();
    }
    open.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : open) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
