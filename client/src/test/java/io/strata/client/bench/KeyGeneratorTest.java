package io.strata.client.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KeyGeneratorTest {

  @Test
  void keyIsTheIndexInDecimalPaddedWithZerosToTheKeySize() {
    assertThat(KeyGenerator.keyAt(42, 8).toStringUtf8()).isEqualTo("00000042");
    assertThat(KeyGenerator.keyAt(0, 1).toStringUtf8()).isEqualTo("0");
    assertThat(KeyGenerator.keyAt(12345, 5).toStringUtf8()).isEqualTo("12345");
  }

  @Test
  void sequentialKeysWalkTheKeySpaceAndWrapAround() {
    KeyGenerator keys = KeyGenerator.sequential(2, 3);

    assertThat(IntStream.range(0, 7).mapToObj(i -> keys.next().toStringUtf8()))
        .containsExactly("00", "01", "02", "00", "01", "02", "00");
  }

  @Test
  void uniformKeysStayInsideTheKeySpaceAndCoverIt() {
    KeyGenerator keys = KeyGenerator.uniform(4, 10, new SplittableRandom(7));
    Set<ByteString> seen = new HashSet<>();

    for (int i = 0; i < 1_000; i++) {
      seen.add(keys.next());
    }

    assertThat(seen)
        .hasSize(10)
        .allSatisfy(key -> assertThat(Integer.parseInt(key.toStringUtf8())).isBetween(0, 9));
  }

  @Test
  void theSameSeedGivesTheSameKeys() {
    KeyGenerator first = KeyGenerator.uniform(8, 1_000_000, new SplittableRandom(1));
    KeyGenerator second = KeyGenerator.uniform(8, 1_000_000, new SplittableRandom(1));

    for (int i = 0; i < 100; i++) {
      assertThat(first.next()).isEqualTo(second.next());
    }
  }

  @Test
  void aKeySpaceOfOneIsAlwaysTheSameKey() {
    KeyGenerator keys = KeyGenerator.uniform(8, 1, new SplittableRandom(3));

    assertThat(keys.next()).isEqualTo(keys.next()).isEqualTo(KeyGenerator.keyAt(0, 8));
  }

  @Test
  void refusesAKeySizeTooSmallForTheKeySpace() {
    assertThat(KeyGenerator.minimumKeySize(1)).isEqualTo(1);
    assertThat(KeyGenerator.minimumKeySize(1000)).isEqualTo(3);
    assertThat(KeyGenerator.minimumKeySize(1001)).isEqualTo(4);

    assertThatThrownBy(() -> KeyGenerator.sequential(3, 1001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 4");
  }
}
