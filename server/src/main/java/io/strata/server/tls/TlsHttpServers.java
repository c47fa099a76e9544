package io.strata.server.tls;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.strata.raft.tls.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import javax.net.ssl.SSLParameters;

/**
 * The JDK HTTP server of a URL: HTTPS with the client side's TLS material for {@code https://}
 * (as etcd serves an https {@code --listen-metrics-urls}, client certificates required when its
 * client side requires them), plain HTTP otherwise. Reloaded certificates serve new connections.
 *
 * <p>Threading: call at start.
 */
public final class TlsHttpServers {
  private TlsHttpServers() {}

  public static HttpServer create(URI uri, int backlog, TlsMaterial tls) throws IOException {
    InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort());
    if (!"https".equalsIgnoreCase(uri.getScheme())) {
      return HttpServer.create(address, backlog);
    }
    if (tls == null) {
      throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for metrics url "
          + uri + " with HTTPS scheme");
    }
    HttpsServer server = HttpsServer.create(address, backlog);
    boolean needClientAuth = tls.files().requiresClientCertificates();
    server.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
        parameters.setNeedClientAuth(needClientAuth);
        params.setSSLParameters(parameters);
      }
    });
    return server;
  }
}
