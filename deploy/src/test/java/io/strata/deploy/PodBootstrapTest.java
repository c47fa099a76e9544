package io.strata.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.Member;
import io.strata.deploy.PodBootstrap.ClusterView;
import io.strata.deploy.PodBootstrap.Decision;
import io.strata.deploy.PodBootstrap.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodBootstrapTest {
  private static PodIdentity pod(int ordinal) {
    return new PodIdentity("strata", ordinal, "ns", "strata-peer", "strata", "cluster.local", 3);
  }

  /** Member k of the cluster; started members have published their name. */
  private static Member member(int k, boolean started) {
    Member.Builder member = Member.newBuilder().setID(1000 + k).addPeerURLs(pod(k).peerUrl());
    if (started) {
      member.setName("strata-" + k).addClientURLs(pod(k).clientUrl(k));
    }
    return member.build();
  }

  private static Optional<ClusterView> view(boolean linearizable, Member... members) {
    return Optional.of(new ClusterView(List.of(members), linearizable));
  }

  private static final Optional<ClusterView> NOBODY = Optional.empty();

  private static Decision decide(int ordinal, boolean hasData, boolean joined, Optional<ClusterView> cluster) {
    return PodBootstrap.decide(pod(ordinal), new Observation(hasData, joined, cluster));
  }

  @Test
  void theFirstInitialMemberUpBootstrapsTheNewCluster() {
    assertThat(decide(0, false, false, NOBODY)).isEqualTo(new Decision.Start("new", pod(0).initialCluster()));
  }

  @Test
  void anInitialMemberStartingWhileItsPeersWaitForAQuorumJoinsTheNewCluster() {
    // strata-0 runs, without a leader: it answers serializable reads only, and lists strata-1 unstarted.
    assertThat(decide(1, false, false, view(false, member(0, true), member(1, false), member(2, false))))
        .isEqualTo(new Decision.Start("new", pod(1).initialCluster()));
  }

  @Test
  void aLateInitialMemberStartsInTheNewClusterItsPeersFormedWithoutIt() {
    assertThat(decide(2, false, false, view(true, member(0, true), member(1, true), member(2, false))))
        .isEqualTo(new Decision.Start("new", pod(2).initialCluster()));
  }

  @Test
  void aMemberWithDataStartsOnItEvenWhenNobodyAnswers() {
    // A full-cluster restart: no quorum until enough members run.
    assertThat(decide(1, true, false, NOBODY)).isEqualTo(new Decision.Start("new", pod(1).initialCluster()));
    assertThat(decide(1, true, false, view(false, member(0, true), member(2, true))))
        .as("a serializable answer never sets data aside").isInstanceOf(Decision.Start.class);
  }

  @Test
  void aScaleUpPodJoinsByMemberAddOnceAQuorumAnswers() {
    assertThat(decide(3, false, false, view(true, member(0, true), member(1, true), member(2, true))))
        .isEqualTo(new Decision.Join());
  }

  @Test
  void aScaleUpPodWaitsWithoutAQuorum() {
    assertThat(decide(3, false, false, NOBODY)).isInstanceOf(Decision.Retry.class);
    assertThat(decide(3, false, false, view(false, member(0, true), member(1, true), member(2, true))))
        .isInstanceOf(Decision.Retry.class);
  }

  @Test
  void aPodAddedButNotStartedStartsAsExistingWithoutAddingItselfAgain() {
    // The pod was restarted between `member add` and its first start.
    Decision decision = decide(3, false, true,
        view(true, member(0, true), member(1, true), member(2, true), member(3, false)));
    assertThat(decision).isEqualTo(new Decision.Start("existing", "strata-0=" + pod(0).peerUrl(0)
        + ",strata-1=" + pod(0).peerUrl(1) + ",strata-2=" + pod(0).peerUrl(2) + ",strata-3=" + pod(3).peerUrl()));
  }

  @Test
  void aJoinedPodWithDataResumesAsExisting() {
    Decision decision = decide(3, true, true, view(true, member(0, true), member(1, true), member(2, true), member(3, true)));
    assertThat(decision).isInstanceOf(Decision.Start.class);
    assertThat(((Decision.Start) decision).clusterState()).isEqualTo("existing");
    assertThat(decide(3, true, true, NOBODY)).isEqualTo(new Decision.Start("existing", "strata-3=" + pod(3).peerUrl()));
  }

  @Test
  void aRemovedMembersDataIsSetAsideThenThePodJoinsAgain() {
    Optional<ClusterView> withoutIt = view(true, member(0, true), member(1, true), member(2, true));
    assertThat(decide(3, true, true, withoutIt)).isInstanceOf(Decision.SetAsideStaleData.class);
    assertThat(decide(1, true, false, view(true, member(0, true), member(2, true))))
        .as("an initial member removed by an operator").isInstanceOf(Decision.SetAsideStaleData.class);
    assertThat(decide(3, false, false, withoutIt)).isEqualTo(new Decision.Join());
  }

  @Test
  void aMemberThatRanBeforeButLostItsDataIsRefused() {
    Decision decision = decide(1, false, false, view(false, member(0, true), member(1, true), member(2, true)));
    assertThat(decision).isInstanceOf(Decision.Refuse.class);
    assertThat(((Decision.Refuse) decision).reason()).contains("strata-1", "data was lost",
        "etcdctl member remove " + Long.toHexString(1001));
  }

  @Test
  void anUnstartedMemberIsNamedByItsIdInTheJoiningInitialCluster() {
    List<Member> members = new ArrayList<>(List.of(member(0, true), member(1, true), member(2, true), member(3, false)));
    String cluster = PodBootstrap.existingCluster(pod(4), Optional.of(new ClusterView(members, true)));
    assertThat(cluster).isEqualTo("strata-0=" + pod(0).peerUrl(0) + ",strata-1=" + pod(0).peerUrl(1)
        + ",strata-2=" + pod(0).peerUrl(2) + "," + Long.toHexString(1003) + "=" + pod(0).peerUrl(3)
        + ",strata-4=" + pod(4).peerUrl());
  }

  @Test
  void aPodWhosePeerSchemeDiffersFromTheClustersRefusesInsteadOfSettingItsDataAside() {
    // The TLS manifests applied to a cluster created plaintext: strata-2 restarts with https URLs.
    PodIdentity tlsPod = new PodIdentity("strata", 2, "ns", "strata-peer", "strata", "cluster.local", 3, true, true);
    Optional<ClusterView> plaintext = view(true, member(0, true), member(1, true), member(2, true));
    for (boolean hasData : new boolean[] {true, false}) {
      Decision decision = PodBootstrap.decide(tlsPod, new Observation(hasData, false, plaintext));
      assertThat(decision).as("with data: %s", hasData).isInstanceOf(Decision.Refuse.class);
      assertThat(((Decision.Refuse) decision).reason()).contains(pod(2).peerUrl(), tlsPod.peerUrl(),
          "peer TLS cannot be switched on or off");
    }
    // The reverse (TLS removed from a TLS cluster) is refused the same way.
    Member tlsMember = Member.newBuilder().setID(1000).setName("strata-0").addPeerURLs(tlsPod.peerUrl(0)).build();
    assertThat(decide(0, true, false, view(true, tlsMember))).isInstanceOf(Decision.Refuse.class);
    // Another pod's https URL on the same port is no conflict.
    PodIdentity tls3 = new PodIdentity("strata", 3, "ns", "strata-peer", "strata", "cluster.local", 3, true, true);
    Member tls0 = Member.newBuilder().setID(1000).setName("strata-0").addPeerURLs(tls3.peerUrl(0)).build();
    assertThat(PodBootstrap.decide(tls3, new Observation(false, false, view(true, tls0)))).isEqualTo(new Decision.Join());
  }

  @Test
  void onlyAScaleDownBelowItsOrdinalTakesAPodOutOfTheCluster() {
    assertThat(PodBootstrap.leavesOnStop(pod(3), Optional.of(3))).isTrue();
    assertThat(PodBootstrap.leavesOnStop(pod(4), Optional.of(3))).isTrue();
    assertThat(PodBootstrap.leavesOnStop(pod(2), Optional.of(3))).as("a rolling update or an eviction").isFalse();
    assertThat(PodBootstrap.leavesOnStop(pod(0), Optional.of(0))).as("the whole cluster stopped").isFalse();
    assertThat(PodBootstrap.leavesOnStop(pod(2), Optional.of(0))).isFalse();
    assertThat(PodBootstrap.leavesOnStop(pod(3), Optional.empty())).as("the StatefulSet deleted").isFalse();
  }
}
