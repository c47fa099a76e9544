package io.strata.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One gRPC endpoint of a cluster member, {@code host:port}: the address only, whatever scheme it
 * was written with. Immutable.
 *
 * <p>Accepts what etcdctl accepts in {@code --endpoints}: {@code 127.0.0.1:2379}, {@code
 * http://127.0.0.1:2379}, {@code https://127.0.0.1:2379} or {@code [::1]:2379}. {@link #parseUrl}
 * also says which scheme was written, for callers that choose TLS by it.
 */
public record Endpoint(String host, int port) {

  /** The scheme an endpoint was written with. */
  public enum Scheme {
    /** {@code host:port}: the client's settings decide plaintext or TLS. */
    NONE,
    /** {@code http://host:port}: plaintext. */
    HTTP,
    /** {@code https://host:port}: TLS. */
    HTTPS
  }

  /** An endpoint as written: its scheme and its address. Immutable. */
  public record Url(Scheme scheme, Endpoint endpoint) {
    public Url {
      Objects.requireNonNull(scheme, "scheme");
      Objects.requireNonNull(endpoint, "endpoint");
    }

    @Override
    public String toString() {
      return switch (scheme) {
        case NONE -> endpoint.toString();
        case HTTP -> "http://" + endpoint;
        case HTTPS -> "https://" + endpoint;
      };
    }
  }

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
   * Parses {@code host:port}, optionally prefixed with {@code http://} or {@code https://}, and
   * returns the address.
   *
   * @throws IllegalArgumentException if the text is not such an address
   */
  public static Endpoint parse(String text) {
    return parseUrl(text).endpoint();
  }

  /**
   * Parses {@code host:port}, optionally prefixed with {@code http://} or {@code https://} (and
   * followed by one {@code /}), and returns the scheme and the address.
   *
   * @throws IllegalArgumentException if the text is not such an address
   */
  public static Url parseUrl(String text) {
    String trimmed = text.trim();
    Scheme scheme = Scheme.NONE;
    String authority = trimmed;
    if (trimmed.startsWith("https://")) {
      scheme = Scheme.HTTPS;
      authority = trimmed.substring("https://".length());
    } else if (trimmed.startsWith("http://")) {
      scheme = Scheme.HTTP;
      authority = trimmed.substring("http://".length());
    }
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
    return new Url(scheme, new Endpoint(host, uri.getPort()));
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

  /** Picocli adapter for {@link #parseUrl}. Stateless. */
  public static final class UrlConverter implements ITypeConverter<Url> {
    @Override
    public Url convert(String value) {
      try {
        return parseUrl(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
