package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.api.records.DowngradeRecord;
import io.strata.api.version.Version;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterVersionPolicyTest {
  @ParameterizedTest(name = "cluster {0}, members {1} -> {2}")
  @CsvSource(delimiter = ';', value = {
      "-;    1.0 1.0 1.0; 1.0",   // first decision: the lowest member version
      "1.0;  1.2 1.2 1.0; -",     // one member still runs 1.0: no rise
      "1.0;  1.2 1.1 1.2; 1.1",   // every member runs at least 1.1
      "1.1;  1.2 1.2 1.2; 1.2",
      "1.2;  1.1 1.2 1.2; -",     // never lowered here: that takes a downgrade
      "1.0;  1.2 ? 1.2;   -",     // a member did not answer: no decision
  })
  void theClusterVersionIsTheLowestMemberVersionAndOnlyRises(String current, String members, String expected) {
    List<Optional<Version>> memberVersions = java.util.Arrays.stream(members.trim().split(" +"))
        .map(v -> v.equals("?") ? Optional.<Version>empty() : Optional.of(Version.parse(v))).toList();
    Optional<Version> decided = ClusterVersionPolicy.decide(
        current.trim().equals("-") ? Optional.empty() : Optional.of(Version.parse(current.trim())), memberVersions,
        DowngradeRecord.getDefaultInstance());
    assertThat(decided).isEqualTo(expected.trim().equals("-") ? Optional.empty() : Optional.of(Version.parse(expected.trim())));
  }

  private static List<Optional<Version>> members(String... versions) {
    return java.util.Arrays.stream(versions)
        .map(v -> v.equals("?") ? Optional.<Version>empty() : Optional.of(Version.parse(v))).toList();
  }

  private static DowngradeRecord enabled(String target) {
    return DowngradeRecord.newBuilder().setEnabled(true).setTargetVersion(target).build();
  }

  @Test
  void anEnabledDowngradeTakesTheClusterVersionToItsTargetOnceAndNeverRaisesIt() {
    Optional<Version> v12 = Optional.of(Version.parse("1.2"));
    Optional<Version> v11 = Optional.of(Version.parse("1.1"));
    assertThat(ClusterVersionPolicy.decide(v12, members("1.2", "1.2", "1.2"), enabled("1.1"))).isEqualTo(v11);
    assertThat(ClusterVersionPolicy.decide(v11, members("1.2", "1.2", "1.2"), enabled("1.1"))).isEmpty();
    assertThat(ClusterVersionPolicy.decide(v11, members("1.1", "1.2", "1.2"), enabled("1.1"))).isEmpty();
    assertThat(ClusterVersionPolicy.decide(v12, members("1.2", "?", "1.2"), enabled("1.1"))).isEmpty();
    // Not one minor below: etcd logs "invalid downgrade target" and changes nothing.
    assertThat(ClusterVersionPolicy.decide(v12, members("1.2", "1.2"), enabled("1.0"))).isEmpty();
    // Cancelled (disabled) with members still at 1.2: back to the lowest member version.
    DowngradeRecord cancelled = DowngradeRecord.newBuilder().setTargetVersion("1.1").build();
    assertThat(ClusterVersionPolicy.decide(v11, members("1.2", "1.2", "1.2"), cancelled)).isEqualTo(v12);
    assertThat(ClusterVersionPolicy.decide(v11, members("1.1", "1.2", "1.2"), cancelled)).isEmpty();
  }

  @Test
  void theDowngradeIsFinishedWhenEveryMemberAnsweredWithTheTarget() {
    assertThat(ClusterVersionPolicy.downgradeFinished(members("1.1", "1.1", "1.1"), enabled("1.1"))).isTrue();
    assertThat(ClusterVersionPolicy.downgradeFinished(members("1.1", "1.2", "1.1"), enabled("1.1"))).isFalse();
    assertThat(ClusterVersionPolicy.downgradeFinished(members("1.1", "?", "1.1"), enabled("1.1"))).isFalse();
    assertThat(ClusterVersionPolicy.downgradeFinished(members("1.1", "1.1"), DowngradeRecord.getDefaultInstance())).isFalse();
  }

  @Test
  void validationChecksFormatThenClusterVersionThenTargetThenStateAsEtcdDoes() {
    Optional<Version> v12 = Optional.of(Version.parse("1.2"));
    DowngradeRecord none = DowngradeRecord.getDefaultInstance();
    assertThat(ClusterVersionPolicy.validateDowngrade("1.1", v12, none)).isEqualTo(Version.parse("1.1"));
    assertThat(ClusterVersionPolicy.validateDowngrade("1.1.0", v12, none)).isEqualTo(Version.parse("1.1"));
    for (String bad : List.of("abc", "1", "1.a", "1..1", "", "1.1.1.1", "-1.1")) {
      assertThatThrownBy(() -> ClusterVersionPolicy.validateDowngrade(bad, v12, none))
          .as(bad).hasMessageContaining("etcdserver: wrong downgrade target version format");
    }
    assertThatThrownBy(() -> ClusterVersionPolicy.validateDowngrade("1.1", Optional.empty(), none))
        .hasMessageContaining("etcdserver: cluster version not found during downgrade");
    for (String wrong : List.of("1.0", "1.2", "1.3", "0.1", "2.1")) {
      assertThatThrownBy(() -> ClusterVersionPolicy.validateDowngrade(wrong, v12, none))
          .as(wrong).hasMessageContaining("etcdserver: invalid downgrade target version");
    }
    assertThatThrownBy(() -> ClusterVersionPolicy.validateDowngrade("1.1", v12, enabled("1.1")))
        .hasMessageContaining("etcdserver: cluster has a downgrade job in progress");
  }
}
