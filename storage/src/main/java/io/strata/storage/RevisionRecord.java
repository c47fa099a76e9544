package io.strata.storage;

import java.util.Arrays;

/**
 * The value of one {@link ColumnFamily#REVISIONS} entry: which user key changed at that revision.
 *
 * <p>Layout: {@code [0]} flags (0x01 = tombstone), {@code [1..)} the user key.
 */
record RevisionRecord(boolean tombstone, byte[] userKey) {
  static byte[] encode(boolean tombstone, byte[] userKey) {
    byte[] bytes = new byte[userKey.length + 1];
    bytes[0] = (byte) (tombstone ? 1 : 0);
    System.arraycopy(userKey, 0, bytes, 1, userKey.length);
    return bytes;
  }

  static RevisionRecord decode(byte[] bytes) {
    return new RevisionRecord((bytes[0] & 1) != 0, Arrays.copyOfRange(bytes, 1, bytes.length));
  }
}
