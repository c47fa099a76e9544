package io.strata.e2e.harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads a member's Prometheus text exposition at {@code /metrics} on its metrics URL. */
public final class Metrics {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String text;

  private Metrics(String text) {
    this.text = text;
  }

  public static Metrics scrape(Member member) {
    return new Metrics(get(member.metricsUrl() + "/metrics"));
  }

  /** GET a path on the member's metrics URL (e.g. {@code /health}); fails on a non-200 answer. */
  public static String get(String url) {
    try {
      HttpResponse<String> r = HTTP.send(
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + url + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new IllegalStateException("GET " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: GET " + url, e);
    }
  }

  /**
   * Sum of every sample of {@code name} over all label sets; 0 when the metric has no sample yet
   * (etcd only exposes a labelled counter once it was incremented).
   */
  public double sum(String name) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(name)) {
        continue;
      }
      String rest = line.substring(name.length());
      if (!(rest.startsWith(" ") || rest.startsWith("{"))) {
        continue; // another metric whose name starts with this one
      }
      String[] parts = line.trim().split("\\s+");
      // "name{labels} value [timestamp]": labels hold no spaces in etcd's and Micrometer's output
      total += Double.parseDouble(parts[1]);
    }
    return total;
  }

  public String text() {
    return text;
  }
}
