package io.strata.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationConverterTest {

  @ParameterizedTest(name = "{0} is {1} ms")
  @CsvSource({"500ms, 500", "10s, 10000", "2m, 120000", "1h, 3600000", "PT1.5S, 1500", " 3S , 3000"})
  void parsesEtcdStyleAndIsoDurations(String text, long expectedMillis) {
    assertThat(DurationConverter.parse(text)).isEqualTo(Duration.ofMillis(expectedMillis));
  }

  @ParameterizedTest(name = "''{0}'' is rejected")
  @ValueSource(strings = {"", "10", "s", "1.5s", "-1s", "10 s", "ten seconds", "99999999999999999999h"})
  void rejectsOtherText(String text) {
    assertThatThrownBy(() -> DurationConverter.parse(text))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
