package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.version.Version;
import java.util.List;
import java.util.Optional;
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
        current.trim().equals("-") ? Optional.empty() : Optional.of(Version.parse(current.trim())), memberVersions);
    assertThat(decided).isEqualTo(expected.trim().equals("-") ? Optional.empty() : Optional.of(Version.parse(expected.trim())));
  }
}
