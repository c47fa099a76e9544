package io.strata.client.bench;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses the key of each request from a key space of {@code keySpaceSize} keys.
 *
 * <p>Not thread-safe: one generator belongs to the single thread that issues requests.
 *
 * <p>Key {@code i} of the key space is {@code i} in decimal, left-padded with {@code '0'} to exactly
 * {@code keySize} bytes, e.g. key 42 with key size 8 is {@code "00000042"}. Keys are printable so
 * that {@code etcdctl get --prefix ""} shows what a run wrote, and the same options produce the same
 * keys on etcd and on Strata.
 */
public final class KeyGenerator {

  private final int keySize;
  private final int keySpaceSize;
  private final SplittableRandom random; // null when sequential
  private long nextSequentialIndex;

  private KeyGenerator(int keySize, int keySpaceSize, SplittableRandom random) {
    if (keySpaceSize < 1) {
      throw new IllegalArgumentException("key space size must be at least 1: " + keySpaceSize);
    }
    requireKeySizeFits(keySize, keySpaceSize);
    this.keySize = keySize;
    this.keySpaceSize = keySpaceSize;
    this.random = random;
  }

  /** Keys 0, 1, 2, ..., keySpaceSize - 1, 0, 1, ... */
  public static KeyGenerator sequential(int keySize, int keySpaceSize) {
    return new KeyGenerator(keySize, keySpaceSize, null);
  }

  /** Keys drawn uniformly from the key space by {@code random}. */
  public static KeyGenerator uniform(int keySize, int keySpaceSize, SplittableRandom random) {
    return new KeyGenerator(keySize, keySpaceSize, random);
  }

  /** The smallest key size that can hold every key of a key space of this size. */
  public static int minimumKeySize(int keySpaceSize) {
    return Long.toString(Math.max(0, keySpaceSize - 1L)).length();
  }

  /**
   * @throws IllegalArgumentException if {@code keySize} bytes cannot hold the largest index
   */
  public static void requireKeySizeFits(int keySize, int keySpaceSize) {
    int minimum = minimumKeySize(keySpaceSize);
    if (keySize < minimum) {
      throw new IllegalArgumentException(
          "key size "
              + keySize
              + " cannot hold "
              + keySpaceSize
              + " distinct keys; use a key size of at least "
              + minimum);
    }
  }

  /** The key at {@code index} of the key space; see the class comment for the layout. */
  public static ByteString keyAt(long index, int keySize) {
    if (index < 0) {
      throw new IllegalArgumentException("negative key index: " + index);
    }
    byte[] digits = Long.toString(index).getBytes(StandardCharsets.US_ASCII);
    if (digits.length > keySize) {
      throw new IllegalArgumentException("key index " + index + " does not fit in " + keySize + " bytes");
    }
    byte[] key = new byte[keySize];
    Arrays.fill(key, 0, keySize - digits.length, (byte) '0');
    System.arraycopy(digits, 0, key, keySize - digits.length, digits.length);
    return ByteString.copyFrom(key);
  }

  /** The next key to use. */
  public ByteString next() {
    long index;
    if (random == null) {
      index = nextSequentialIndex;
      nextSequentialIndex = (nextSequentialIndex + 1) % keySpaceSize;
    } else {
      index = random.nextInt(keySpaceSize);
    }
    return keyAt(index, keySize);
  }
}
