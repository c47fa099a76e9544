package io.strata.deploy;

import io.strata.api.etcdserverpb.Member;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a pod does before its member starts, decided from what it sees: its own data directory,
 * whether it joined by {@code member add} before, and the cluster's member list. A pure function;
 * {@link StrataPod} observes and acts, then asks again, so every step is idempotent (a pod
 * restarted half-way through a join asks again and finds itself added).
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>The cluster lists this pod's peer address under the other scheme ({@code http://} where
 *       the pod now uses {@code https://}, or the reverse): refuse. The cluster was made with the
 *       other TLS setting, and a cluster's peer URLs all use one scheme; without this rule the pod
 *       would take itself for removed and set its data aside.</li>
 *   <li>Data present: start on it, unless a linearizable member list (a quorum's answer) lacks
 *       this pod's peer URL. Then the member was removed (a scale-down, or an operator's
 *       {@code member remove}) and its data is stale: set it aside and join as a new member. A
 *       serializable answer or none at all never sets data aside (a full-cluster restart has no
 *       quorum yet, and the data is needed).</li>
 *   <li>No data, and the cluster lists this pod as a member that has already run (it published a
 *       name): its data was lost. Refuse to start: an empty member under a voter's id could forget
 *       entries it acknowledged. The operator removes it, and the pod then rejoins.</li>
 *   <li>No data, listed but never started: start. An initial member that never joined by
 *       {@code member add} starts in the new cluster from the static initial cluster (its peers
 *       may be waiting for it to reach a quorum); any other starts as {@code existing}.</li>
 *   <li>No data, not listed: with a linearizable answer, join ({@code member add}, then start as
 *       {@code existing}); with only a serializable answer, retry (no quorum to add to).</li>
 *   <li>No data and no member answers: an initial member that never joined bootstraps the new
 *       cluster (the first start of the StatefulSet); any other pod retries.</li>
 * </ol>
 *
 * <p>Limit: an initial member whose data is lost while no other member answers cannot tell that
 * from the cluster's first start, and bootstraps again (etcd has the same gap).
 *
 * <p>Threading: stateless.
 */
public final class PodBootstrap {
  private PodBootstrap() {}

  /** The cluster's member list as one member answered it; linearizable means a quorum agreed. */
  public record ClusterView(List<Member> members, boolean linearizable) {
    public ClusterView {
      members = List.copyOf(members);
    }

    Optional<Member> memberWithPeerUrl(String peerUrl) {
      return members.stream().filter(m -> m.getPeerURLsList().contains(peerUrl)).findFirst();
    }

    /** A member with a peer URL of the same host and port as {@code peerUrl} under another scheme. */
    Optional<Member> memberWithPeerAddress(String peerUrl) {
      URI wanted = URI.create(peerUrl);
      return members.stream().filter(m -> m.getPeerURLsList().stream().map(URI::create)
          .anyMatch(u -> !wanted.getScheme().equalsIgnoreCase(u.getScheme())
              && wanted.getHost().equalsIgnoreCase(u.getHost()) && wanted.getPort() == u.getPort()))
          .findFirst();
    }
  }

  /**
   * What the pod sees: whether its data directory holds a member's data, whether it joined an
   * existing cluster by {@code member add} (a marker it writes before adding itself), and the
   * member list if any member answered.
   */
  public record Observation(boolean hasData, boolean joinedByAdd, Optional<ClusterView> cluster) {}

  /** What to do next. */
  public sealed interface Decision {
    /** Start the member with {@code --initial-cluster-state} and {@code --initial-cluster}. */
    record Start(String clusterState, String initialCluster) implements Decision {}

    /** Add this pod to the cluster ({@code member add} with its peer URL), then decide again. */
    record Join() implements Decision {}

    /** The data is a removed member's: move it aside, then decide again. */
    record SetAsideStaleData(String reason) implements Decision {}

    /** Do not start; the reason says what the operator must do. */
    record Refuse(String reason) implements Decision {}

    /** Not decidable yet (no quorum, or nobody answers): ask again later. */
    record Retry(String reason) implements Decision {}
  }

  public static Decision decide(PodIdentity pod, Observation seen) {
    Optional<ClusterView> cluster = seen.cluster();
    Optional<Member> self = cluster.flatMap(view -> view.memberWithPeerUrl(pod.peerUrl()));
    boolean quorumAnswered = cluster.map(ClusterView::linearizable).orElse(false);
    boolean startsTheNewCluster = pod.initialMember() && !seen.joinedByAdd();
    Optional<Member> otherScheme = self.isPresent() ? Optional.empty()
        : cluster.flatMap(view -> view.memberWithPeerAddress(pod.peerUrl()));
    if (otherScheme.isPresent()) {
      return new Decision.Refuse("the cluster lists this pod's peer address as "
          + otherScheme.get().getPeerURLsList() + ", but this pod uses " + pod.peerUrl() + ": peer TLS cannot be"
          + " switched on or off in a running cluster (its peer URLs all use one scheme). Apply the manifests the"
          + " cluster was created with, or create a new cluster and restore a snapshot into it");
    }
    if (seen.hasData()) {
      if (quorumAnswered && self.isEmpty()) {
        return new Decision.SetAsideStaleData("the cluster's member list has no member with peer URL "
            + pod.peerUrl() + ": this member was removed, so its data is stale");
      }
      return startsTheNewCluster ? new Decision.Start("new", pod.initialCluster())
          : new Decision.Start("existing", existingCluster(pod, cluster));
    }
    if (self.isPresent()) {
      Member member = self.get();
      if (!member.getName().isEmpty()) {
        return new Decision.Refuse("member " + member.getName() + " (id " + Long.toHexString(member.getID())
            + ") has run before but its data directory is empty: its data was lost. Remove it"
            + " (etcdctl member remove " + Long.toHexString(member.getID()) + "); this pod then rejoins as a new member");
      }
      return startsTheNewCluster ? new Decision.Start("new", pod.initialCluster())
          : new Decision.Start("existing", existingCluster(pod, cluster));
    }
    if (quorumAnswered) {
      return new Decision.Join();
    }
    if (cluster.isPresent()) {
      return new Decision.Retry("the members that answer have no leader, and none lists " + pod.peerUrl());
    }
    if (startsTheNewCluster) {
      return new Decision.Start("new", pod.initialCluster());
    }
    return new Decision.Retry("no member of the cluster answers on " + pod.discoveryEndpoints());
  }

  /**
   * Whether a pod that is stopping leaves the cluster: only when the StatefulSet now wants fewer
   * replicas than its ordinal (a scale-down), and not zero (scaling to zero stops the whole cluster,
   * which keeps its members). A StatefulSet that is gone or being deleted ({@code empty}), a rolling
   * update, an eviction or a node drain leave membership unchanged.
   */
  public static boolean leavesOnStop(PodIdentity pod, Optional<Integer> desiredReplicas) {
    return desiredReplicas.map(replicas -> replicas > 0 && pod.ordinal() >= replicas).orElse(false);
  }

  /**
   * {@code --initial-cluster} for a member that joins an existing cluster: every member the cluster
   * lists (a member that has not started yet has no name; it is named by its id) and this pod. The
   * server seeds these members into a brand-new store and learns the rest from the log.
   */
  static String existingCluster(PodIdentity pod, Optional<ClusterView> cluster) {
    List<String> entries = new ArrayList<>();
    boolean selfListed = false;
    for (Member member : cluster.map(ClusterView::members).orElse(List.of())) {
      boolean self = member.getPeerURLsList().contains(pod.peerUrl());
      selfListed |= self;
      String name = self ? pod.name() : member.getName().isEmpty() ? Long.toHexString(member.getID()) : member.getName();
      member.getPeerURLsList().forEach(url -> entries.add(name + "=" + url));
    }
    if (!selfListed) {
      entries.add(pod.name() + "=" + pod.peerUrl());
    }
    return String.join(",", entries);
  }
}
