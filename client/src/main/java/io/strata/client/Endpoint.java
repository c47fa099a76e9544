package io.strata.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One gRPC endpoint of a cluster member, {@code host:port}. Immutable.
 *
 * <p>Accepts what etcdctl accepts in {@code --endpoints}: {@code 127.0.0.1:2379}, {@code
 * http://127.0.0.1:2379} or {@code [::1]:2379}. Only plaintext is supported, so {@code https://}
 * is refused rather than silently spoken in clear text.
 */
public record Endpoint(String host, int port) {

  public Endpoint {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /**
   * Parses {@code host:port}, optionally prefixed with {@code http://}.
   *
   * @throws IllegalArgumentException if the text is not such an address
   */
  public static Endpoint parse(String text) {
    String trimmed = text.trim();
    if (trimmed.startsWith("https://")) {
      throw new IllegalArgumentException("TLS endpoints are not supported: " + text);
    }
    String authority = trimmed.startsWith("http://") ? trimmed.substring("http://".length()) : trimmed;
    if (authority.endsWith("/")) {
      authority = authority.substring(0, authority.length() - 1);
    }
    URI uri;
    try {
      uri = new URI("grpc://" + authority);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a host:port endpoint: '" + text + "'", e);
    }
    boolean hasPath = uri.getRawPath() != null && !uri.getRawPath().isEmpty();
    if (uri.getHost() == null || uri.getPort() < 0 || hasPath
        || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("not a host:port endpoint: '" + text + "'");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Endpoint(host, uri.getPort());
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }

  /** Picocli adapter for {@link #parse}. Stateless. */
  public static final class Converter implements ITypeConverter<Endpoint> {
    @Override
    public Endpoint convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
