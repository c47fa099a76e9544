package io.strata.e2e.deploy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The one Kubernetes API call a Strata pod makes (its preStop hook reads the StatefulSet's
 * {@code spec.replicas}), answered from a file the test writes: there is no Kubernetes cluster on
 * these machines. Run as its own process inside the test's pod network:
 * {@code StatefulSetApiStandIn ADDRESS PORT NAMESPACE NAME REPLICAS_FILE}.
 *
 * <p>Threading: the JDK HTTP server's thread answers; the file is read on every request.
 */
public final class StatefulSetApiStandIn {
  private StatefulSetApiStandIn() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    String path = "/apis/apps/v1/namespaces/" + args[2] + "/statefulsets/" + args[3];
    Path replicasFile = Path.of(args[4]);
    HttpServer server = HttpServer.create(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 16);
    server.createContext("/", exchange -> {
      boolean known = exchange.getRequestURI().getPath().equals(path);
      String body = known
          ? "{\"kind\":\"StatefulSet\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"" + args[3]
              + "\"},\"spec\":{\"replicas\":" + Files.readString(replicasFile).trim() + "}}"
          : "{\"kind\":\"Status\",\"code\":404}";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(known ? 200 : 404, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    System.out.println("serving " + path + " on " + args[0] + ":" + args[1]);
    new CountDownLatch(1).await(); // until the test kills the process
  }
}
