package io.strata.client;

import com.google.protobuf.ByteString;

/** Key helpers for ranges and watches. Stateless. */
public final class Keys {
  private Keys() {}

  /**
   * The range end that makes a range or watch from {@code prefix} cover every key starting with
   * it (etcd's {@code GetPrefixRangeEnd}): the prefix with its last byte below 0xff incremented and
   * what follows dropped; {@code \0} (every key) when there is no such byte.
   */
  public static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }
}
