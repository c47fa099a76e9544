package io.strata.e2e.harness;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a test asks of a cluster. The flags are etcd's, so the same spec starts etcd or Strata.
 *
 * @param size number of voting members
 * @param snapshotCount {@code --snapshot-count}, empty for the server default
 * @param maxRequestBytes {@code --max-request-bytes}, empty for the server default
 * @param maxTxnOps {@code --max-txn-ops}, empty for the server default
 * @param heartbeatInterval {@code --heartbeat-interval}
 * @param electionTimeout {@code --election-timeout}
 * @param extraFlags appended verbatim to every member's command line
 * @param environment added to every member's environment (e.g. Strata's {@code STRATA_FAILPOINTS})
 * @param networkFaults run every member under a group id of its own, so that {@link NetworkFaults}
 *     can cut its peer traffic with iptables' owner match (root inside a private network namespace)
 * @param peerProxies put a {@link TcpProxy} in front of every founding member's peer listener:
 *     the member advertises the proxy's port and listens on another
 */
public record ClusterSpec(
    int size,
    OptionalLong snapshotCount,
    OptionalLong maxRequestBytes,
    OptionalInt maxTxnOps,
    Duration heartbeatInterval,
    Duration electionTimeout,
    List<String> extraFlags,
    Map<String, String> environment,
    boolean networkFaults,
    boolean peerProxies) {

  public ClusterSpec {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1: " + size);
    }
    extraFlags = List.copyOf(extraFlags);
    environment = Map.copyOf(environment);
  }

  /** Three members, server defaults, 100 ms heartbeat and 1 s election timeout (etcd's defaults). */
  public static ClusterSpec threeMembers() {
    return ofSize(3);
  }

  public static ClusterSpec ofSize(int size) {
    return new ClusterSpec(
        size,
        OptionalLong.empty(),
        OptionalLong.empty(),
        OptionalInt.empty(),
        Duration.ofMillis(100),
        Duration.ofMillis(1000),
        List.of(),
        Map.of(),
        false,
        false);
  }

  public ClusterSpec withSnapshotCount(long count) {
    return new ClusterSpec(size, OptionalLong.of(count), maxRequestBytes, maxTxnOps,
        heartbeatInterval, electionTimeout, extraFlags, environment, networkFaults, peerProxies);
  }

  public ClusterSpec withMaxRequestBytes(long bytes) {
    return new ClusterSpec(size, snapshotCount, OptionalLong.of(bytes), maxTxnOps,
        heartbeatInterval, electionTimeout, extraFlags, environment, networkFaults, peerProxies);
  }

  public ClusterSpec withMaxTxnOps(int ops) {
    return new ClusterSpec(size, snapshotCount, maxRequestBytes, OptionalInt.of(ops),
        heartbeatInterval, electionTimeout, extraFlags, environment, networkFaults, peerProxies);
  }

  public ClusterSpec withTimeouts(Duration heartbeat, Duration election) {
    return new ClusterSpec(size, snapshotCount, maxRequestBytes, maxTxnOps, heartbeat, election,
        extraFlags, environment, networkFaults, peerProxies);
  }

  public ClusterSpec withExtraFlags(String... flags) {
    return new ClusterSpec(size, snapshotCount, maxRequestBytes, maxTxnOps, heartbeatInterval,
        electionTimeout, List.of(flags), environment, networkFaults, peerProxies);
  }

  public ClusterSpec withEnvironment(Map<String, String> variables) {
    return new ClusterSpec(size, snapshotCount, maxRequestBytes, maxTxnOps, heartbeatInterval,
        electionTimeout, extraFlags, variables, networkFaults, peerProxies);
  }

  /** Members that {@link NetworkFaults} can cut off from their peers (see the record's javadoc). */
  public ClusterSpec withNetworkFaults() {
    return new ClusterSpec(size, snapshotCount, maxRequestBytes, maxTxnOps, heartbeatInterval,
        electionTimeout, extraFlags, environment, true, peerProxies);
  }

  /** Peer traffic through a {@link TcpProxy} per member (see the record's javadoc). */
  public ClusterSpec withPeerProxies() {
    return new ClusterSpec(size, snapshotCount, maxRequestBytes, maxTxnOps, heartbeatInterval,
        electionTimeout, extraFlags, environment, networkFaults, true);
  }
}
