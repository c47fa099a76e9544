package io.strata.server.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** etcd's duration flags take Go durations; the watch progress interval does too. */
class WatchSettingsTest {
  @ParameterizedTest(name = "\"{0}\" is {1} ms")
  @CsvSource({"10m, 600000", "1s, 1000", "500ms, 500", "1m30s, 90000", "1.5s, 1500", "2h, 7200000", "0, 0",
      "0s, 0", "250us, 0"})
  void goDurationsParse(String text, long millis) {
    assertThat(WatchSettings.parseGoDuration(text).toMillis()).isEqualTo(millis);
  }

  @ParameterizedTest(name = "\"{0}\" is refused")
  @ValueSource(strings = {"", "10", "m", "1x", "1.5.5s"})
  void badDurationsAreRefused(String text) {
    assertThatThrownBy(() -> WatchSettings.parseGoDuration(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @org.junit.jupiter.api.Test
  void defaultsAreEtcds() {
    WatchSettings defaults = WatchSettings.defaults(1_572_864);
    assertThat(defaults.progressNotifyInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(defaults.fragmentBytes()).isEqualTo(1_572_864 + 512 * 1024);
    assertThat(defaults.maxQueuedResponses()).isEqualTo(1024);
  }
}
