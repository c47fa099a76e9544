package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyCodecTest {
  @Test
  void encodingPreservesUserKeyOrderAndNewestVersionFirst() {
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] a = randomKey(random);
      byte[] b = randomKey(random);
      long ra = random.nextInt(100) + 1;
      long rb = random.nextInt(100) + 1;
      int userOrder = Arrays.compareUnsigned(a, b);
      int encodedOrder = Integer.signum(Arrays.compareUnsigned(
          KeyCodec.versionKey(a, ra), KeyCodec.versionKey(b, rb)));
      if (userOrder != 0) {
        assertThat(encodedOrder).as("%s vs %s", Arrays.toString(a), Arrays.toString(b))
            .isEqualTo(Integer.signum(userOrder));
      } else {
        assertThat(encodedOrder).isEqualTo(Integer.signum(Long.compare(rb, ra)));
      }
    }
  }

  @Test
  void userKeyAndRevisionRoundTrip() {
    byte[] key = {'a', 0, 0, (byte) 0xFF, 1};
    byte[] encoded = KeyCodec.versionKey(key, 42);
    assertThat(KeyCodec.userKeyOf(encoded)).isEqualTo(key);
    assertThat(KeyCodec.mainRevisionOf(encoded)).isEqualTo(42);
    assertThat(KeyCodec.hasPrefix(encoded, KeyCodec.versionsPrefix(key))).isTrue();
    assertThat(KeyCodec.hasPrefix(encoded, KeyCodec.versionsPrefix(new byte[] {'a', 0}))).isFalse();
  }

  @Test
  void worksAsDocumented() {
    assertThat(KeyCodec.versionKey(new byte[] {'a', 0}, 5)).containsExactly(
        0x61, 0x00, 0xFF, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFA);
  }

  @Test
  void everyLargerUserKeySortsAfterAllVersionsOfASmallerOne() {
    byte[] after = KeyCodec.afterAllVersions(KeyCodec.versionsPrefix(new byte[] {'a'}));
    for (byte[] larger : new byte[][] {{'a', 0}, {'a', 1}, {'b'}, {'a', (byte) 0xFF}}) {
      assertThat(Arrays.compareUnsigned(after, KeyCodec.versionKey(larger, Long.MAX_VALUE))).isLessThanOrEqualTo(0);
    }
    assertThat(Arrays.compareUnsigned(after, KeyCodec.versionKey(new byte[] {'a'}, 1))).isGreaterThan(0);
  }

  private static byte[] randomKey(Random random) {
    byte[] alphabet = {0, 1, 'a', 'b', (byte) 0xFE, (byte) 0xFF};
    byte[] key = new byte[1 + random.nextInt(4)];
    for (int i = 0; i < key.length; i++) {
      key[i] = alphabet[random.nextInt(alphabet.length)];
    }
    return key;
  }
}
