package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.AlarmMember;
import io.strata.api.etcdserverpb.AlarmType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthTest {
  private final List<AlarmMember> alarms = new ArrayList<>();
  private final AtomicBoolean leader = new AtomicBoolean(true);
  private final AtomicReference<Health.Check> serializable = new AtomicReference<>(HealthTest::passes);
  private final AtomicReference<Health.Check> linearizable = new AtomicReference<>(HealthTest::passes);
  private final AtomicInteger successes = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final List<String> checksRan = new ArrayList<>();
  private final Health health = new Health(() -> List.copyOf(alarms), leader::get, () -> serializable.get().run(),
      () -> linearizable.get().run(), Duration.ofMillis(200), new Health.Listener() {
        @Override
        public void healthChecked(boolean healthy) {
          (healthy ? successes : failures).incrementAndGet();
        }

        @Override
        public void checkRan(String type, String name, boolean passed) {
          checksRan.add(type + " " + name + " " + (passed ? "success" : "error"));
        }
      });

  private static CompletableFuture<?> passes() {
    return CompletableFuture.completedFuture(null);
  }

  private static Health.Check failsWith(String reason) {
    return () -> CompletableFuture.failedFuture(EtcdErrors.error(io.grpc.Status.Code.UNAVAILABLE, reason));
  }

  /** A check that never answers. */
  private static CompletableFuture<?> hangs() {
    return new CompletableFuture<>();
  }

  @Test
  void a_healthy_member_answers_etcds_health_json() {
    assertThat(health.health(null)).isEqualTo(new Health.Reply(200, "{\"health\":\"true\",\"reason\":\"\"}"));
    assertThat(successes).hasValue(1);
  }

  @Test
  void an_alarm_makes_health_false_unless_excluded() {
    alarms.add(AlarmMember.newBuilder().setMemberID(7).setAlarm(AlarmType.NOSPACE).build());
    assertThat(health.health("")).isEqualTo(new Health.Reply(503, "{\"health\":\"false\",\"reason\":\"ALARM NOSPACE\"}\n"));
    assertThat(health.health("exclude=NOSPACE").status()).isEqualTo(200);
    assertThat(failures).hasValue(1);
    assertThat(successes).hasValue(1);
  }

  @Test
  void without_a_leader_health_is_false_but_a_serializable_health_check_passes() {
    leader.set(false);
    assertThat(health.health("")).isEqualTo(new Health.Reply(503, "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}\n"));
    assertThat(health.health("serializable=true").status()).isEqualTo(200);
  }

  @Test
  void a_failed_read_gives_etcds_range_error_reason() {
    linearizable.set(failsWith("etcdserver: no leader"));
    assertThat(health.health("").body()).isEqualTo("{\"health\":\"false\",\"reason\":\"RANGE ERROR:etcdserver: no leader\"}\n");
    assertThat(health.health("serializable=true").status()).as("the local read still works").isEqualTo(200);
  }

  @Test
  void a_read_that_never_answers_fails_within_the_timeout() {
    linearizable.set(HealthTest::hangs);
    long started = System.nanoTime();
    Health.Reply reply = health.checks(Health.READYZ, null, "verbose");
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(reply).isEqualTo(new Health.Reply(503, "[+]data_corruption ok\n[+]serializable_read ok\n"
        + "[-]linearizable_read failed: etcdserver: request timed out\n\n"));
    assertThat(tookMs).as("bounded by the 200 ms timeout").isLessThan(5_000);
    assertThat(health.health("").body()).contains("RANGE ERROR:etcdserver: request timed out");
  }

  @Test
  void livez_and_readyz_answer_ok_and_list_their_checks_when_verbose() {
    assertThat(health.checks(Health.LIVEZ, null, null)).isEqualTo(new Health.Reply(200, "ok\n"));
    assertThat(health.checks(Health.LIVEZ, null, "verbose")).isEqualTo(new Health.Reply(200, "[+]serializable_read ok\nok\n"));
    assertThat(health.checks(Health.READYZ, null, "verbose")).isEqualTo(new Health.Reply(200,
        "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\nok\n"));
    assertThat(checksRan).containsExactly("livez serializable_read success", "livez serializable_read success",
        "readyz data_corruption success", "readyz serializable_read success", "readyz linearizable_read success");
  }

  @Test
  void a_lost_quorum_fails_readyz_but_not_livez() {
    leader.set(false);
    linearizable.set(failsWith("etcdserver: no leader"));
    assertThat(health.checks(Health.LIVEZ, null, null).status()).isEqualTo(200);
    assertThat(health.checks(Health.READYZ, null, null)).isEqualTo(new Health.Reply(503,
        "[+]data_corruption ok\n[+]serializable_read ok\n[-]linearizable_read failed: etcdserver: no leader\n\n"));
    assertThat(health.checks(Health.READYZ, null, "exclude=linearizable_read&verbose")).isEqualTo(new Health.Reply(200,
        "[+]data_corruption ok\n[+]serializable_read ok\nok\n"));
  }

  @Test
  void a_corrupt_alarm_fails_the_data_corruption_check() {
    alarms.add(AlarmMember.newBuilder().setMemberID(7).setAlarm(AlarmType.CORRUPT).build());
    assertThat(health.checks(Health.READYZ, "data_corruption", null))
        .isEqualTo(new Health.Reply(503, "[-]data_corruption failed: alarm activated: CORRUPT\n\n"));
    assertThat(health.checks(Health.LIVEZ, null, null).status()).isEqualTo(200);
    assertThat(health.health("").body()).contains("ALARM CORRUPT");
  }

  @Test
  void one_check_runs_alone_on_its_own_path_and_unknown_ones_are_not_found() {
    linearizable.set(failsWith("etcdserver: no leader"));
    assertThat(health.checks(Health.READYZ, "serializable_read", "verbose"))
        .isEqualTo(new Health.Reply(200, "[+]serializable_read ok\nok\n"));
    assertThat(health.checks(Health.READYZ, "no_such_check", null)).isNull();
    assertThat(health.checks(Health.READYZ, null, "exclude=no_such_check").status())
        .as("excluding an unknown check is not an error").isEqualTo(503);
  }

  @Test
  void a_check_that_throws_fails_with_its_message() {
    serializable.set(() -> {
      throw new IllegalStateException("database closed");
    });
    assertThat(health.checks(Health.LIVEZ, null, null))
        .isEqualTo(new Health.Reply(503, "[-]serializable_read failed: database closed\n\n"));
  }
}
