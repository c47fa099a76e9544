package io.strata.deploy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reads one thing from the Kubernetes API: how many replicas a StatefulSet should have. The
 * preStop hook compares it with the pod's ordinal to tell a scale-down (the pod goes away for
 * good) from every other termination (rolling update, eviction, node drain), where the member
 * must stay in the cluster.
 *
 * <p>Inside a pod it uses the API server the kubelet announces ({@code KUBERNETES_SERVICE_HOST},
 * {@code KUBERNETES_SERVICE_PORT}) with the pod's service account token and CA. The environment
 * variable {@code STRATA_POD_KUBERNETES_API} (a base URL) replaces that, for runs outside a
 * cluster; then the token and CA are used only if their files exist.
 *
 * <p>Threading: thread-safe; {@link #desiredReplicas} blocks for at most the timeout.
 */
final class KubernetesApi {
  static final String API_OVERRIDE = "STRATA_POD_KUBERNETES_API";
  static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

  private final URI base;
  private final Path tokenFile;
  private final HttpClient http;
  private final Duration timeout;

  KubernetesApi(URI base, Path tokenFile, HttpClient http, Duration timeout) {
    this.base = base;
    this.tokenFile = tokenFile;
    this.http = http;
    this.timeout = timeout;
  }

  static KubernetesApi fromEnvironment(Map<String, String> env, Duration timeout) throws IOException {
    String override = env.get(API_OVERRIDE);
    URI base;
    if (override != null && !override.isBlank()) {
      base = URI.create(override.trim());
    } else {
      String host = env.get("KUBERNETES_SERVICE_HOST");
      if (host == null || host.isBlank()) {
        throw new IOException("not in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set (or set " + API_OVERRIDE + ")");
      }
      String port = env.getOrDefault("KUBERNETES_SERVICE_PORT", "443");
      base = URI.create("https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port);
    }
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(timeout);
    Path ca = SERVICE_ACCOUNT.resolve("ca.crt");
    if (base.getScheme().equals("https") && Files.exists(ca)) {
      client.sslContext(trusting(ca));
    }
    return new KubernetesApi(base, SERVICE_ACCOUNT.resolve("token"), client.build(), timeout);
  }

  /**
   * {@code spec.replicas} of the StatefulSet, or empty when it does not exist or is being deleted
   * (then no pod is going away because of a scale-down).
   */
  Optional<Integer> desiredReplicas(String namespace, String statefulSet) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            base.resolve("/apis/apps/v1/namespaces/" + namespace + "/statefulsets/" + statefulSet))
        .timeout(timeout)
        .header("Accept", "application/json");
    if (Files.isReadable(tokenFile)) {
      // Read on every call: projected service account tokens are rotated.
      request.header("Authorization", "Bearer " + Files.readString(tokenFile).trim());
    }
    HttpResponse<String> response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() == 404) {
      return Optional.empty();
    }
    if (response.statusCode() != 200) {
      throw new IOException("GET statefulset " + namespace + "/" + statefulSet + ": HTTP " + response.statusCode()
          + " " + response.body());
    }
    return replicasOf(response.body());
  }

  /** {@code spec.replicas} of a StatefulSet in JSON (Kubernetes' default is 1); empty if it is being deleted. */
  static Optional<Integer> replicasOf(String statefulSetJson) throws IOException {
    try {
      JsonObject object = JsonParser.parseString(statefulSetJson).getAsJsonObject();
      JsonObject metadata = object.getAsJsonObject("metadata");
      if (metadata != null && metadata.has("deletionTimestamp") && !metadata.get("deletionTimestamp").isJsonNull()) {
        return Optional.empty();
      }
      JsonObject spec = object.getAsJsonObject("spec");
      JsonElement replicas = spec == null ? null : spec.get("replicas");
      return Optional.of(replicas == null || replicas.isJsonNull() ? 1 : replicas.getAsInt());
    } catch (RuntimeException e) {
      throw new IOException("not a StatefulSet: " + e.getMessage(), e);
    }
  }

  private static SSLContext trusting(Path caFile) throws IOException {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use the service account CA " + caFile + ": " + e.getMessage(), e);
    }
  }
}
