package io.strata.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.strata.raft.tls.TlsMaterial;
import io.strata.server.tls.TlsHttpServers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The HTTP endpoints on {@code --listen-metrics-urls}: {@code /metrics} (Prometheus, etcd's metric
 * names where the meaning is the same), {@code /health}, {@code /livez}, {@code /readyz} and
 * {@code /version}.
 *
 * <p>Threading: served by a small private executor; handlers only read.
 */
final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;

  /** {@code tls}: the client side's TLS material, used when {@code url} is https (as etcd does); may be null. */
  HttpEndpoints(String url, MemberContext member, ServerMetrics metrics, Supplier<String> versionJson,
      TlsMaterial tls) throws IOException {
    URI uri = URI.create(url);
    server = TlsHttpServers.create(uri, 64, tls);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread thread = new Thread(r, "strata-http");
      thread.setDaemon(true);
      return thread;
    }));
    server.createContext("/metrics", exchange -> reply(exchange, 200, "text/plain; version=0.0.4", metrics.scrape()));
    server.createContext("/health", exchange -> {
      boolean healthy = member.raft().leader() != null;
      reply(exchange, healthy ? 200 : 503, "application/json",
          healthy ? "{\"health\":\"true\",\"reason\":\"\"}" : "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}");
    });
    server.createContext("/livez", exchange -> reply(exchange, 200, "text/plain", "ok"));
    server.createContext("/readyz", exchange -> {
      boolean ready = member.raft().leader() != null;
      reply(exchange, ready ? 200 : 503, "text/plain", ready ? "ok" : "no leader");
    });
    server.createContext("/version", exchange -> reply(exchange, 200, "application/json", versionJson.get()));
  }

  void start() {
    server.start();
  }

  private static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
