package io.strata.e2e.harness;

import java.time.Duration;
import java.util.List;

/**
 * Waits on what Strata members report at {@code GET /version} (server, cluster and storage
 * versions, and the downgrade state), and the fragments of that JSON the version scenarios look
 * for. Versions are given as "X.Y".
 */
public final class VersionWaits {
  public static final Duration WAIT = Duration.ofSeconds(60);

  private VersionWaits() {}

  public static String versionJson(Member member) {
    return Metrics.get(member.metricsUrl() + "/version");
  }

  public static String clusterVersion(String version) {
    return "\"etcdcluster\":\"" + version + ".0\"";
  }

  public static String storageVersion(String version) {
    return "\"storage\":\"" + version + ".0\"";
  }

  public static String downgradeState(String state) {
    return "\"state\":\"" + state + "\"";
  }

  /** Waits until every running member's /version contains every one of {@code fragments}. */
  public static void awaitVersions(Cluster cluster, String what, String... fragments) {
    awaitVersions(cluster, cluster.runningMembers(), what, fragments);
  }

  /** Waits until each of {@code members} reports /version containing every one of {@code fragments}. */
  public static void awaitVersions(Cluster cluster, List<? extends Member> members, String what, String... fragments) {
    for (Member m : members) {
      cluster.waitFor(m.name() + " to report " + what, WAIT, () -> {
        String json = versionJson(m);
        for (String fragment : fragments) {
          if (!json.contains(fragment)) {
            return null;
          }
        }
        return true;
      });
    }
  }
}
