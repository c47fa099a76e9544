package io.strata.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.client.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointPoolTest {
  private final Endpoint a = Endpoint.parse("10.0.0.1:2379");
  private final Endpoint b = Endpoint.parse("10.0.0.2:2379");
  private final Endpoint c = Endpoint.parse("10.0.0.3:2379");
  private final AtomicLong now = new AtomicLong(1_000);
  private final EndpointPool pool = new EndpointPool(List.of(a, b, c), now::get, Duration.ofSeconds(1));

  @Test
  void endpoints_are_handed_out_in_turn() {
    assertThat(List.of(pool.next(), pool.next(), pool.next(), pool.next())).containsExactly(a, b, c, a);
  }

  @Test
  void a_failed_endpoint_is_skipped_until_its_quarantine_ends_or_it_answers() {
    pool.failed(b);
    assertThat(List.of(pool.next(), pool.next(), pool.next())).containsExactly(a, c, a);
    now.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(pool.next()).isEqualTo(c);
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(List.of(pool.next(), pool.next())).containsExactly(a, b);
    pool.failed(c);
    pool.succeeded(c);
    assertThat(pool.next()).isEqualTo(c);
  }

  @Test
  void when_every_endpoint_failed_the_one_freed_first_is_handed_out_with_its_wait() {
    pool.failed(a);
    now.addAndGet(Duration.ofMillis(100).toNanos());
    pool.failed(b);
    pool.failed(c);
    Endpoint next = pool.next();
    assertThat(next).isEqualTo(a);
    assertThat(pool.waitBefore(next)).isEqualTo(Duration.ofMillis(900));
    assertThat(pool.waitBefore(b)).isEqualTo(Duration.ofSeconds(1));
    now.addAndGet(Duration.ofMillis(900).toNanos());
    assertThat(pool.waitBefore(a)).isZero();
  }
}
