package io.strata.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeepAliveScheduleTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private final KeepAliveSchedule schedule = new KeepAliveSchedule(2 * SECOND);

  @Test
  void a_lease_is_renewed_at_once_then_every_third_of_its_ttl() {
    schedule.add(7, 0);
    assertThat(schedule.takeDue(0)).containsExactly(7L);
    assertThat(schedule.takeDue(0)).as("not twice").isEmpty();
    assertThat(schedule.answered(7, 9, SECOND)).isEqualTo(KeepAliveSchedule.Answer.RENEWED);
    assertThat(schedule.nanosUntilNext(SECOND)).isEqualTo(3 * SECOND);
    assertThat(schedule.takeDue(4 * SECOND - 1)).isEmpty();
    assertThat(schedule.takeDue(4 * SECOND)).containsExactly(7L);
  }

  @Test
  void an_unanswered_keep_alive_is_sent_again_after_the_resend_interval() {
    schedule.add(7, 0);
    schedule.takeDue(0);
    assertThat(schedule.nanosUntilNext(0)).isEqualTo(2 * SECOND);
    assertThat(schedule.takeDue(2 * SECOND)).containsExactly(7L);
  }

  @Test
  void a_new_stream_makes_every_lease_due_at_once() {
    schedule.add(7, 0);
    schedule.add(8, 0);
    schedule.takeDue(0);
    schedule.answered(7, 30, 0);
    schedule.answered(8, 60, 0);
    schedule.allDue(SECOND);
    assertThat(schedule.takeDue(SECOND)).containsExactlyInAnyOrder(7L, 8L);
  }

  @Test
  void ttl_zero_means_the_lease_is_lost_and_it_leaves_the_schedule() {
    schedule.add(7, 0);
    schedule.takeDue(0);
    assertThat(schedule.answered(7, 0, SECOND)).isEqualTo(KeepAliveSchedule.Answer.LOST);
    assertThat(schedule.isEmpty()).isTrue();
    assertThat(schedule.nanosUntilNext(SECOND)).isEqualTo(-1);
    assertThat(schedule.answered(7, 10, SECOND)).isEqualTo(KeepAliveSchedule.Answer.UNKNOWN);
  }
}
