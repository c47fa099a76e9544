package io.strata.server.tls;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.strata.raft.tls.TlsMaterial;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The gRPC servers of {@code --listen-client-urls}: one for the {@code https://} URLs (TLS with the
 * client side's material) and one for the {@code http://} URLs (plaintext), each present only when
 * some URL has its scheme. The caller adds the same services to each.
 *
 * <p>Threading: call once, at start.
 */
public final class ClientListeners {
  private ClientListeners() {}

  /** One builder per scheme in use, https first; {@code tls} must be non-null when an https URL is listed. */
  public static List<NettyServerBuilder> builders(List<String> urls, TlsMaterial tls) {
    NettyServerBuilder secure = null;
    NettyServerBuilder plain = null;
    for (String url : urls) {
      URI uri = URI.create(url);
      InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort());
      if (ServerTls.isHttps(url)) {
        secure = secure == null ? NettyServerBuilder.forAddress(address, tls.serverCredentials())
            : secure.addListenAddress(address);
      } else {
        plain = plain == null ? NettyServerBuilder.forAddress(address) : plain.addListenAddress(address);
      }
    }
    List<NettyServerBuilder> builders = new ArrayList<>();
    if (secure != null) {
      builders.add(secure);
    }
    if (plain != null) {
      builders.add(plain);
    }
    if (builders.isEmpty()) {
      throw new IllegalArgumentException("--listen-client-urls names no URL");
    }
    return builders;
  }
}
