package io.strata.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.strata.raft.tls.TlsMaterial;
import io.strata.server.tls.TlsHttpServers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The HTTP endpoints on {@code --listen-metrics-urls}: {@code /metrics} (Prometheus text format,
 * {@link ServerMetrics}), {@code /health}, {@code /livez}, {@code /readyz} and their per-check
 * paths ({@link Health}), and {@code /version}. Only GET (and HEAD) are served, as etcd does.
 *
 * <p>Threading: served by a small private pool; a health request holds a thread for at most its
 * checks' timeouts, so a stuck check cannot starve {@code /metrics} for long.
 */
final class HttpEndpoints implements AutoCloseable {
  private static final String TEXT = "text/plain; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;

  /** {@code tls}: the client side's TLS material, used when {@code url} is https (as etcd does); may be null. */
  HttpEndpoints(String url, ServerMetrics metrics, Health health, Supplier<String> versionJson, TlsMaterial tls)
      throws IOException {
    URI uri = URI.create(url);
    server = TlsHttpServers.create(uri, 64, tls);
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread thread = new Thread(r, "strata-http");
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", exchange -> {
      if (allowed(exchange)) {
        reply(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
      }
    });
    server.createContext("/health", exchange -> {
      if (allowed(exchange)) {
        Health.Reply answer = health.health(exchange.getRequestURI().getRawQuery());
        reply(exchange, answer.status(), TEXT, answer.body());
      }
    });
    for (String type : new String[] {Health.LIVEZ, Health.READYZ}) {
      server.createContext("/" + type, exchange -> {
        if (!allowed(exchange)) {
          return;
        }
        String path = exchange.getRequestURI().getPath();
        String rest = path.substring(type.length() + 1);
        String check = rest.isEmpty() || rest.equals("/") ? null : rest.substring(1);
        Health.Reply answer = !rest.isEmpty() && !rest.startsWith("/") ? null
            : health.checks(type, check, exchange.getRequestURI().getRawQuery());
        if (answer == null) {
          reply(exchange, 404, TEXT, "404 page not found\n");
        } else {
          exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
          reply(exchange, answer.status(), TEXT, answer.body());
        }
      });
    }
    server.createContext("/version", exchange -> {
      if (allowed(exchange)) {
        reply(exchange, 200, "application/json", versionJson.get());
      }
    });
  }

  void start() {
    server.start();
  }

  /** GET and HEAD only; anything else gets etcd's 405. */
  private static boolean allowed(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    exchange.getResponseHeaders().set("Allow", "GET");
    reply(exchange, 405, TEXT, "Method Not Allowed\n");
    return false;
  }

  private static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      if (!head) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
