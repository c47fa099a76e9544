package io.strata.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Who a StatefulSet pod is, and every address that follows from its name. Pod {@code <set>-<k>}
 * in namespace {@code N} is reached at {@code <set>-<k>.<peerService>.N.svc.<clusterDomain>}: the
 * headless Service's DNS record, published before the pod is ready (the Service sets
 * {@code publishNotReadyAddresses}), so members find each other while they bootstrap. Each pod
 * listens on etcd's ports on every interface: clients 2379, peers 2380, HTTP 2381.
 *
 * <p>The first {@code initialClusterSize} ordinals form the cluster when it is created (their
 * {@code --initial-cluster}); a pod with a higher ordinal is a scale-up and joins by
 * {@code member add}.
 *
 * <p>TLS: the client URLs are {@code https://} when the member has a client certificate
 * ({@code STRATA_CERT_FILE}, the server's {@code --cert-file}), the peer URLs when it has a peer
 * certificate ({@code STRATA_PEER_CERT_FILE}); otherwise {@code http://}. The HTTP port (probes,
 * metrics) stays plaintext either way: the kubelet's probes present no client certificate.
 *
 * <p>Threading: immutable.
 */
public record PodIdentity(String statefulSet, int ordinal, String namespace, String peerService,
    String clientService, String clusterDomain, int initialClusterSize, boolean clientTls, boolean peerTls) {

  public static final int CLIENT_PORT = 2379;
  public static final int PEER_PORT = 2380;
  public static final int METRICS_PORT = 2381;

  /** Environment variables the StatefulSet sets (names outside the server's STRATA_&lt;FLAG&gt; set). */
  public static final String POD_NAME = "POD_NAME";
  public static final String POD_NAMESPACE = "POD_NAMESPACE";
  public static final String PEER_SERVICE = "STRATA_POD_PEER_SERVICE";
  public static final String CLIENT_SERVICE = "STRATA_POD_CLIENT_SERVICE";
  public static final String CLUSTER_DOMAIN = "STRATA_POD_CLUSTER_DOMAIN";
  public static final String INITIAL_CLUSTER_SIZE = "STRATA_POD_INITIAL_CLUSTER_SIZE";
  /** The server's {@code --cert-file} and {@code --peer-cert-file}: set, they make the client or peer URLs https. */
  public static final String CERT_FILE = "STRATA_CERT_FILE";
  public static final String PEER_CERT_FILE = "STRATA_PEER_CERT_FILE";

  public PodIdentity {
    if (ordinal < 0) {
      throw new IllegalArgumentException("ordinal must not be negative: " + ordinal);
    }
    if (initialClusterSize < 1) {
      throw new IllegalArgumentException(INITIAL_CLUSTER_SIZE + " must be at least 1, not " + initialClusterSize);
    }
  }

  /** A pod whose URLs are all plaintext. */
  public PodIdentity(String statefulSet, int ordinal, String namespace, String peerService, String clientService,
      String clusterDomain, int initialClusterSize) {
    this(statefulSet, ordinal, namespace, peerService, clientService, clusterDomain, initialClusterSize, false, false);
  }

  /**
   * The identity from the pod's environment: {@code POD_NAME} and {@code POD_NAMESPACE} (downward
   * API) are required; the services, the cluster domain and the initial size have defaults
   * ({@code strata-peer}, {@code strata}, {@code cluster.local}, 3). The schemes follow
   * {@link #CERT_FILE} and {@link #PEER_CERT_FILE}.
   */
  public static PodIdentity fromEnvironment(Map<String, String> env) {
    String podName = required(env, POD_NAME);
    int dash = podName.lastIndexOf('-');
    if (dash <= 0 || dash == podName.length() - 1 || !podName.substring(dash + 1).chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(POD_NAME + " is not a StatefulSet pod name (<set>-<ordinal>): " + podName);
    }
    String size = env.getOrDefault(INITIAL_CLUSTER_SIZE, "3");
    int initialSize;
    try {
      initialSize = Integer.parseInt(size.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(INITIAL_CLUSTER_SIZE + " is not a number: " + size);
    }
    return new PodIdentity(podName.substring(0, dash), Integer.parseInt(podName.substring(dash + 1)),
        required(env, POD_NAMESPACE), env.getOrDefault(PEER_SERVICE, "strata-peer"),
        env.getOrDefault(CLIENT_SERVICE, "strata"), env.getOrDefault(CLUSTER_DOMAIN, "cluster.local"), initialSize,
        isSet(env, CERT_FILE), isSet(env, PEER_CERT_FILE));
  }

  private static boolean isSet(Map<String, String> env, String name) {
    String value = env.get(name);
    return value != null && !value.isBlank();
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is not set (the StatefulSet sets it from the downward API)");
    }
    return value.trim();
  }

  /** This pod's name, which is also its member name. */
  public String name() {
    return podName(ordinal);
  }

  public String podName(int k) {
    return statefulSet + "-" + k;
  }

  /** The stable DNS name of pod {@code k} (the headless Service's record). */
  public String host(int k) {
    return podName(k) + "." + peerService + "." + namespace + ".svc." + clusterDomain;
  }

  /** The client Service's DNS name (it routes to ready members only). */
  public String clientServiceHost() {
    return clientService + "." + namespace + ".svc." + clusterDomain;
  }

  public String peerScheme() {
    return peerTls ? "https" : "http";
  }

  public String clientScheme() {
    return clientTls ? "https" : "http";
  }

  public String peerUrl(int k) {
    return peerScheme() + "://" + host(k) + ":" + PEER_PORT;
  }

  public String clientUrl(int k) {
    return clientScheme() + "://" + host(k) + ":" + CLIENT_PORT;
  }

  public String peerUrl() {
    return peerUrl(ordinal);
  }

  /** Whether this pod is one of the members the cluster was created with. */
  public boolean initialMember() {
    return ordinal < initialClusterSize;
  }

  /** {@code --initial-cluster} of a new cluster: the first {@code initialClusterSize} pods. */
  public String initialCluster() {
    return IntStream.range(0, initialClusterSize).mapToObj(k -> podName(k) + "=" + peerUrl(k))
        .collect(Collectors.joining(","));
  }

  /**
   * Where to ask about the cluster, as host:port of client ports: the client Service (ready
   * members only) first, then every other pod up to this one or the initial size (which may not
   * be ready yet, e.g. while the cluster bootstraps).
   */
  public List<String> discoveryEndpoints() {
    List<String> endpoints = new ArrayList<>();
    endpoints.add(clientServiceHost() + ":" + CLIENT_PORT);
    for (int k = 0; k < Math.max(initialClusterSize, ordinal); k++) {
      if (k != ordinal) {
        endpoints.add(host(k) + ":" + CLIENT_PORT);
      }
    }
    return endpoints;
  }

  /**
   * Where the preStop hook asks: its own member first (on the loopback address, so a server
   * certificate names {@code 127.0.0.1}), then {@link #discoveryEndpoints()}.
   */
  public List<String> preStopEndpoints() {
    List<String> endpoints = new ArrayList<>();
    endpoints.add("127.0.0.1:" + CLIENT_PORT);
    endpoints.addAll(discoveryEndpoints());
    return endpoints;
  }

  /**
   * The server's flags for this pod: its name and advertised URLs from the pod's DNS name, every
   * listener on all interfaces, and the cluster to start in. Every other setting (data dir, token,
   * TLS files, tunables) comes from the server's own {@code STRATA_<FLAG>} environment variables.
   * The metrics URL is {@code http://} even when the other two are {@code https://}, so that the
   * kubelet's probes, which present no client certificate, reach {@code /livez} and {@code /readyz}.
   */
  public List<String> serverFlags(String initialClusterState, String initialCluster) {
    return List.of(
        "--name", name(),
        "--listen-client-urls", clientScheme() + "://0.0.0.0:" + CLIENT_PORT,
        "--advertise-client-urls", clientUrl(ordinal),
        "--listen-peer-urls", peerScheme() + "://0.0.0.0:" + PEER_PORT,
        "--initial-advertise-peer-urls", peerUrl(),
        "--listen-metrics-urls", "http://0.0.0.0:" + METRICS_PORT,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", initialClusterState);
  }
}
