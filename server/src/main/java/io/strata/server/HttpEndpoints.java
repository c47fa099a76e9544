package io.strata.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  HttpEndpoints(String url, MemberContext member, Supplier<String> versionJson) throws IOException {
    URI uri = URI.create(url);
    server = HttpServer.create(new InetSocketAddress(uri.getHost(), uri.getPort()), 64);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread thread = new Thread(r, "strata-http");
      thread.setDaemon(true);
      return thread;
    }));
    Gauge.builder("etcd_server_has_leader", member, m -> m.raft().leader() != null ? 1 : 0)
        .description("Whether or not a leader exists. 1 is existence, 0 is not.").register(registry);
    Gauge.builder("etcd_server_is_leader", member, m -> m.raft().isLeader() ? 1 : 0)
        .description("Whether or not this member is a leader. 1 if is, 0 otherwise.").register(registry);
    Gauge.builder("etcd_server_proposals_committed_total", member, m -> m.raft().committedIndex())
        .description("The total number of consensus proposals committed.").register(registry);
    Gauge.builder("etcd_server_proposals_applied_total", member, m -> m.raft().appliedIndex())
        .description("The total number of consensus proposals applied.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_bytes", member, m -> m.backend().sizeBytes())
        .description("Total size of the underlying database physically allocated in bytes.").register(registry);
    server.createContext("/metrics", exchange -> reply(exchange, 200, "text/plain; version=0.0.4", registry.scrape()));
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
