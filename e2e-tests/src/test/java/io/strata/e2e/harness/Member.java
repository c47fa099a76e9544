package io.strata.e2e.harness;

import java.nio.file.Path;

/** One member of a {@link Cluster}; its addresses stay the same across restarts. */
public interface Member {
  /** 0-based position in {@link Cluster#members()}. */
  int index();

  /** {@code --name}: n1, n2, ... */
  String name();

  /** {@code 127.0.0.1:port} of the client (gRPC) listener, as etcdctl's {@code --endpoints} takes it. */
  String clientEndpoint();

  /** {@code http://127.0.0.1:port} of the client listener ({@code https://} with TLS). */
  String clientUrl();

  /** {@code http://127.0.0.1:port} of the peer listener ({@code https://} with peer TLS). */
  String peerUrl();

  /** {@code http://127.0.0.1:port} of the HTTP endpoints (/health, /metrics; {@code https://} with TLS). */
  String metricsUrl();

  /** Directory holding this member's data dir and log. */
  Path directory();

  Path dataDir();

  /** stdout and stderr of every run of this member, appended. */
  Path logFile();

  /** True while the member's process is alive. */
  boolean isRunning();
}
