package io.strata.client.internal;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.strata.client.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

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
      if (tls.trustedCaFile().isPresent()) {
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
