package io.strata.server.tls;

import io.strata.raft.tls.TlsFiles;
import io.strata.raft.tls.TlsMaterial;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which listeners of this member speak TLS, with what, following etcd: a URL's scheme decides
 * ({@code https://} is TLS, {@code http://} plaintext, so one member may serve both on different
 * client URLs); the client side's files ({@code --cert-file}, ...) serve the client URLs and an
 * {@code https://} metrics URL, the peer side's ({@code --peer-cert-file}, ...) the peer port,
 * both ways. Unlike etcd, the peer URLs of a cluster are all {@code https://} or all
 * {@code http://}: one peer port speaks one of them.
 *
 * <p>Threading: immutable after {@link #from}; the materials reload on the executor given to
 * {@link #reloadEvery}.
 */
public final class ServerTls {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  private final TlsMaterial client;
  private final TlsMaterial peer;
  private final boolean clientCertAuth;

  private ServerTls(TlsMaterial client, TlsMaterial peer, boolean clientCertAuth) {
    this.client = client;
    this.peer = peer;
    this.clientCertAuth = clientCertAuth;
  }

  /**
   * Checks the flags against the URLs and reads the files.
   *
   * @param clientUrls  {@code --listen-client-urls}
   * @param metricsUrls {@code --listen-metrics-urls} (served with the client side's files)
   * @param peerUrls    {@code --listen-peer-urls}, then every other peer URL this member knows at
   *                    start ({@code --initial-advertise-peer-urls}, {@code --initial-cluster})
   * @throws IllegalArgumentException with etcd's message for an {@code https://} URL without
   *     certificate and key, or naming the file that cannot be used
   */
  public static ServerTls from(TlsFlags flags, List<String> clientUrls, List<String> metricsUrls,
      List<String> peerUrls) {
    boolean clientHttps = false;
    boolean clientHttp = false;
    for (String url : clientUrls) {
      if (isHttps(url)) {
        clientHttps = true;
        requireCertAndKey(flags, "client", url);
      } else {
        clientHttp = true;
      }
    }
    for (String url : metricsUrls) {
      if (isHttps(url)) {
        clientHttps = true;
        requireCertAndKey(flags, "metrics", url);
      }
    }
    if (clientHttp && flags.clientCertAuth) {
      LOG.warn("client URLs with scheme http ignore --client-cert-auth: {}",
          clientUrls.stream().filter(u -> !isHttps(u)).toList());
    }
    boolean peerHttps = isHttps(peerUrls.get(0));
    List<String> mismatched = new ArrayList<>();
    for (String url : peerUrls) {
      if (isHttps(url) != peerHttps) {
        mismatched.add(url);
      }
    }
    if (!mismatched.isEmpty()) {
      throw new IllegalArgumentException("the peer URLs " + mismatched + " do not use the scheme of --listen-peer-urls "
          + peerUrls.get(0) + ": a cluster's peers all speak TLS (https) or all plaintext (http)");
    }
    if (peerHttps && (flags.peerCertFile == null || flags.peerKeyFile == null)) {
      throw new IllegalArgumentException("TLS key/cert (--peer-cert-file, --peer-key-file) must be provided for peer url "
          + peerUrls.get(0) + " with HTTPS scheme");
    }
    if (!peerHttps && flags.peerCertFile != null) {
      LOG.warn("the peer URL {} has scheme http; the peer TLS files are not used", peerUrls.get(0));
    }
    TlsMaterial client = clientHttps ? TlsMaterial.load("client",
        new TlsFiles(flags.certFile, flags.keyFile, flags.trustedCaFile, flags.clientCertAuth)) : null;
    TlsMaterial peer = peerHttps ? TlsMaterial.load("peer",
        new TlsFiles(flags.peerCertFile, flags.peerKeyFile, flags.peerTrustedCaFile, flags.peerClientCertAuth)) : null;
    return new ServerTls(client, peer, flags.clientCertAuth && clientUrls.stream().anyMatch(ServerTls::isHttps));
  }

  private static void requireCertAndKey(TlsFlags flags, String kind, String url) {
    if (flags.certFile == null || flags.keyFile == null) {
      throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for " + kind
          + " url " + url + " with HTTPS scheme");
    }
  }

  public static boolean isHttps(String url) {
    return "https".equalsIgnoreCase(URI.create(url).getScheme());
  }

  /** The client side's material, or null when no client URL is {@code https://}. */
  public TlsMaterial client() {
    return client;
  }

  /** The peer side's material, or null when the peer port is plaintext. */
  public TlsMaterial peer() {
    return peer;
  }

  /**
   * {@code --client-cert-auth} on an {@code https://} client URL: a request without a token acts as
   * the user its certificate's common name names.
   */
  public boolean clientCertAuth() {
    return clientCertAuth;
  }

  /** Reloads both sides' files every {@link TlsMaterial#RELOAD_INTERVAL} on {@code executor}. */
  public void reloadEvery(ScheduledExecutorService executor) {
    for (TlsMaterial material : new TlsMaterial[] {client, peer}) {
      if (material != null) {
        material.reloadEvery(executor, TlsMaterial.RELOAD_INTERVAL);
      }
    }
  }
}
