package io.strata.e2e.observability;

import io.strata.e2e.harness.Member;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

/**
 * One answer of a member's HTTP endpoint, and the samples of a Prometheus text exposition: a
 * series is named exactly as it is written, labels included (etcd's Go client and Micrometer both
 * sort labels by name), e.g. {@code grpc_server_handled_total{grpc_code="OK",grpc_method="Put",...}}.
 */
record Scrape(int status, String body) {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** GET {@code path} (with its query) on the member's metrics URL; any status is an answer. */
  static Scrape get(Member member, String path) {
    String url = member.metricsUrl() + path;
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return new Scrape(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException("GET " + url + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: GET " + url, e);
    }
  }

  static Scrape metrics(Member member) {
    Scrape scrape = get(member, "/metrics");
    if (scrape.status() != 200) {
      throw new IllegalStateException(member.name() + " /metrics answered " + scrape.status());
    }
    return scrape;
  }

  /** The value of exactly {@code series} ("name" or "name{labels}"), if the exposition has it. */
  OptionalDouble value(String series) {
    for (String line : lines()) {
      if (line.startsWith(series + " ")) {
        return OptionalDouble.of(Double.parseDouble(line.substring(series.length() + 1).trim().split("\\s+")[0]));
      }
    }
    return OptionalDouble.empty();
  }

  /** The value of {@code series}; fails when the exposition does not have it. */
  double valueOf(String series) {
    return value(series).orElseThrow(() -> new AssertionError("no series " + series + " in\n" + body));
  }

  /** The sample lines of metric {@code name} (any labels). */
  List<String> series(String name) {
    return lines().stream().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " ")).toList();
  }

  private List<String> lines() {
    return body.lines().filter(l -> !l.startsWith("#")).toList();
  }
}
