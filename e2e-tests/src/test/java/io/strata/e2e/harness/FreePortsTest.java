package io.strata.e2e.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void each_fork_has_its_own_block_below_the_ephemeral_range() {
    assertThat(FreePorts.blockStart("1")).isEqualTo(10_000);
    assertThat(FreePorts.blockStart("2")).isEqualTo(14_000);
    assertThat(FreePorts.blockStart("5") + 4_000).isLessThanOrEqualTo(32_768);
  }

  @Test
  void a_fork_number_outside_the_blocks_is_refused() {
    assertThatThrownBy(() -> FreePorts.blockStart("0")).hasMessageContaining("must be 1..5, not 0");
    assertThatThrownBy(() -> FreePorts.blockStart("6")).hasMessageContaining("must be 1..5, not 6");
    assertThatThrownBy(() -> FreePorts.blockStart("${surefire.forkNumber}"))
        .hasMessageContaining("must be a fork number");
  }

  @Test
  void ports_come_from_this_forks_block_and_are_never_handed_out_twice() {
    int start = FreePorts.blockStart(System.getProperty(FreePorts.FORK_PROPERTY, "1"));
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      int port = FreePorts.next();
      assertThat(port).isBetween(start, start + 3_999);
      assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
    }
  }
}
