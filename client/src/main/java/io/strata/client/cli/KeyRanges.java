package io.strata.client.cli;

import com.google.protobuf.ByteString;

/** Key range arithmetic as etcd's clients do it. Stateless. */
final class KeyRanges {

  /** The range end meaning "to the end of the key space" (with a key: every key from it on). */
  static final ByteString FROM_KEY = ByteString.copyFrom(new byte[] {0});

  private KeyRanges() {}

  /**
   * The end of the range of keys starting with {@code prefix}: the prefix with its last byte below
   * 0xff incremented and what follows dropped; {@link #FROM_KEY} if every byte is 0xff.
   */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if ((end[i] & 0xff) < 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return FROM_KEY;
  }

  static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }
}
