package io.strata.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a local HTTP server standing in for the API server's StatefulSet endpoint. */
class KubernetesApiTest {
  @TempDir Path dir;
  private HttpServer server;
  private final Map<String, String> bodies = new ConcurrentHashMap<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      String body = bodies.get(exchange.getRequestURI().getPath());
      byte[] bytes = (body == null ? "{\"kind\":\"Status\",\"code\":404}" : body).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private KubernetesApi api(Path token) {
    return new KubernetesApi(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), token,
        HttpClient.newHttpClient(), Duration.ofSeconds(5));
  }

  @Test
  void readsTheReplicasWithTheServiceAccountToken() throws Exception {
    bodies.put("/apis/apps/v1/namespaces/kv/statefulsets/strata",
        "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"strata\"},\"spec\":{\"replicas\":4}}");
    Path token = Files.writeString(dir.resolve("token"), "secret-token\n");
    assertThat(api(token).desiredReplicas("kv", "strata")).contains(4);
    assertThat(authorizations).containsExactly("Bearer secret-token");
  }

  @Test
  void aMissingOrDeletedStatefulSetIsNoScaleDown() throws Exception {
    assertThat(api(dir.resolve("none")).desiredReplicas("kv", "strata")).isEmpty();
    bodies.put("/apis/apps/v1/namespaces/kv/statefulsets/strata",
        "{\"metadata\":{\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":{\"replicas\":3}}");
    assertThat(api(dir.resolve("none")).desiredReplicas("kv", "strata")).isEmpty();
  }

  @Test
  void replicasDefaultToOneAsInKubernetes() throws Exception {
    assertThat(KubernetesApi.replicasOf("{\"spec\":{}}")).isEqualTo(Optional.of(1));
    assertThatThrownBy(() -> KubernetesApi.replicasOf("[1]")).isInstanceOf(IOException.class)
        .hasMessageContaining("not a StatefulSet");
  }

  @Test
  void outsideAPodWithoutAnOverrideThereIsNoApi() {
    assertThatThrownBy(() -> KubernetesApi.fromEnvironment(Map.of(), Duration.ofSeconds(1)))
        .hasMessageContaining("KUBERNETES_SERVICE_HOST is not set");
  }
}
