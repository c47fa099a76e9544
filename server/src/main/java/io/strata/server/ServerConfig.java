package io.strata.server;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import io.strata.server.tls.TlsFlags;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The server's flags: etcd's names where the meaning is the same. Each flag may also come from
 * the environment as {@code STRATA_<FLAG>} (upper case, dashes as underscores), which is how the
 * StatefulSet configures members; a flag on the command line wins.
 */
final class ServerConfig {
  @Option(names = "--name", defaultValue = "default", description = "Human-readable name for this member.")
  String name;

  @Option(names = "--data-dir", description = "Path to the data directory (default: ${name}.strata).")
  Path dataDir;

  @Option(names = "--listen-client-urls", defaultValue = "http://127.0.0.1:2379",
      description = "URLs to listen on for client traffic.")
  String listenClientUrls;

  @Option(names = "--advertise-client-urls", description = "Client URLs to advertise to the cluster (default: the listen client URLs).")
  String advertiseClientUrls;

  @Option(names = "--listen-peer-urls", defaultValue = "http://127.0.0.1:2380",
      description = "URL to listen on for peer traffic.")
  String listenPeerUrls;

  @Option(names = "--initial-advertise-peer-urls", description = "This member's peer URL as the cluster knows it (default: the listen peer URL).")
  String initialAdvertisePeerUrls;

  @Option(names = "--initial-cluster", description = "Initial cluster configuration for bootstrapping: name=peerURL,... (default: this member alone).")
  String initialCluster;

  @Option(names = "--initial-cluster-state", defaultValue = "new", description = "Initial cluster state ('new' or 'existing').")
  String initialClusterState;

  @Option(names = "--initial-cluster-token", defaultValue = "strata-cluster", description = "Initial cluster token, part of every member id.")
  String initialClusterToken;

  @Option(names = "--listen-metrics-urls", defaultValue = "http://127.0.0.1:2381",
      description = "URL to serve /metrics, /health, /livez, /readyz and /version on.")
  String listenMetricsUrls;

  /** --cert-file, --key-file, --trusted-ca-file, --client-cert-auth and their --peer- forms. */
  @Mixin
  TlsFlags tls = new TlsFlags();

  @Option(names = "--snapshot-count", defaultValue = "100000", description = "Number of applied entries that triggers a snapshot.")
  long snapshotCount;

  @Option(names = "--heartbeat-interval", defaultValue = "100", description = "Time (in milliseconds) of a heartbeat interval (informational: jraft derives heartbeats from the election timeout).")
  int heartbeatIntervalMs;

  @Option(names = "--election-timeout", defaultValue = "1000", description = "Time (in milliseconds) for an election to timeout.")
  int electionTimeoutMs;

  @Option(names = "--quota-backend-bytes", defaultValue = "2147483648", description = "Raise alarms when the backend size exceeds the given quota.")
  long quotaBackendBytes;

  @Option(names = "--max-request-bytes", defaultValue = "1572864", description = "Maximum client request size in bytes the server will accept.")
  long maxRequestBytes;

  @Option(names = "--max-txn-ops", defaultValue = "128", description = "Maximum number of operations permitted in a transaction.")
  int maxTxnOps;

  @Option(names = "--emulate-version", description = "Behave exactly as release X.Y would, on disk and on the wire (default: this build's version).")
  String emulateVersion;

  StrataVersion version() {
    return emulateVersion == null ? StrataVersion.LATEST : StrataVersion.of(emulateVersion);
  }

  @Option(names = {"--experimental-watch-progress-notify-interval", "--watch-progress-notify-interval"},
      defaultValue = "10m",
      description = "Duration of periodic watch progress notifications, as a Go duration (e.g. 10m, 30s); 0 turns them off.")
  String watchProgressNotifyInterval;

  @Option(names = {"--lease-checkpoint-interval", "--experimental-lease-checkpoint-interval"},
      defaultValue = "5m",
      description = "How often the leader records every lease's remaining TTL through Raft, as a Go duration"
          + " (e.g. 5m, 1s), so a new leader continues leases instead of restarting them (needs cluster"
          + " version 1.1); 0 turns the periodic checkpoints off.")
  String leaseCheckpointInterval;

  @Option(names = "--log-level", defaultValue = "info",
      description = "Configures log level. Only supports debug, info, warn, error.")
  String logLevel;

  @Option(names = "--log-format", defaultValue = "console",
      description = "Configures log format. Only supports json, console (default: console, one plain line per record).")
  String logFormat;

  Path effectiveDataDir() {
    return dataDir != null ? dataDir : Path.of(name + ".strata");
  }

  List<String> clientUrls() {
    return split(listenClientUrls);
  }

  List<String> advertisedClientUrls() {
    return advertiseClientUrls != null ? split(advertiseClientUrls) : clientUrls();
  }

  String advertisedPeerUrl() {
    return initialAdvertisePeerUrls != null ? split(initialAdvertisePeerUrls).get(0) : split(listenPeerUrls).get(0);
  }

  /**
   * The port the peer listener binds: the first of {@code --listen-peer-urls}, which may differ
   * from the advertised one (a proxy, a port mapping, 0.0.0.0 in a pod). Peers are served on
   * every interface at that port.
   */
  int peerListenPort() {
    return URI.create(split(listenPeerUrls).get(0)).getPort();
  }

  String effectiveInitialCluster() {
    return initialCluster != null ? initialCluster : name + "=" + advertisedPeerUrl();
  }

  /** Request timeout, as etcd derives it: 5 s plus two election timeouts. */
  long requestTimeoutMs() {
    return 5000L + 2L * electionTimeoutMs;
  }

  static List<String> split(String urls) {
    return Arrays.stream(urls.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
