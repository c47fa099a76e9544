package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.mvccpb.KeyValue;
import java.nio.ByteBuffer;

/**
 * The value of one {@link ColumnFamily#KV} entry: one version of a user key.
 *
 * <p>Layout:
 * <pre>
 *   [0]      flags: 0x01 = tombstone (the key was deleted at this revision)
 *   [1..9)   sub revision (big-endian)
 *   [9..)    mvccpb.KeyValue; for a tombstone only key and mod_revision are set
 * </pre>
 */
record VersionRecord(boolean tombstone, long sub, KeyValue keyValue) {
  private static final byte TOMBSTONE = 0x01;

  byte[] toBytes() {
    byte[] kv = keyValue.toByteArray();
    return ByteBuffer.allocate(1 + Long.BYTES + kv.length)
        .put(tombstone ? TOMBSTONE : 0)
        .putLong(sub)
        .put(kv)
        .array();
  }

  static VersionRecord fromBytes(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    boolean tombstone = (buffer.get() & TOMBSTONE) != 0;
    long sub = buffer.getLong();
    try {
      return new VersionRecord(tombstone, sub,
          KeyValue.parseFrom(ByteBuffer.wrap(bytes, 1 + Long.BYTES, bytes.length - 1 - Long.BYTES)));
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable key version", e);
    }
  }
}
