package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FailpointsTest {

  @Test
  void no_variable_means_no_failpoint() {
    assertThat(Failpoints.parse(null).readsWithoutReadIndex()).isFalse();
    assertThat(Failpoints.parse(" ").readsWithoutReadIndex()).isFalse();
  }

  @Test
  void a_named_failpoint_is_active() {
    assertThat(Failpoints.parse(" reads-without-read-index ,").readsWithoutReadIndex()).isTrue();
  }

  @Test
  void an_unknown_name_stops_the_member_instead_of_being_ignored() {
    assertThatThrownBy(() -> Failpoints.parse("reads-without-readindex"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown failpoint 'reads-without-readindex'");
  }
}
