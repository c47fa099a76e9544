package io.strata.storage;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Encodes the keys of the {@code kv} column family, which holds every version of every user key in
 * key order, newest version first.
 *
 * <p>Layout of one entry's RocksDB key:
 * <pre>
 *   escape(userKey)  0x00 0x01  ~main (8 bytes, big-endian)
 * </pre>
 * {@code escape} writes every 0x00 byte of the user key as 0x00 0xFF; the terminator 0x00 0x01 then
 * sorts below any continuation of the key, so the encoding preserves the byte order of user keys
 * and a user key's versions stay contiguous. The inverted main revision puts the newest version
 * first: seeking to {@code prefix(k) ~r} lands on the newest version of k at or below revision r.
 *
 * <p>Worked example: user key {@code "a\0"} at main revision 5 encodes as
 * {@code 61 00 FF 00 01 FF FF FF FF FF FF FF FA}.
 */
public final class KeyCodec {
  private static final byte ESCAPE = 0x00;
  private static final byte ESCAPED_ZERO = (byte) 0xFF;
  private static final byte TERMINATOR = 0x01;
  private static final byte PAST_TERMINATOR = 0x02;

  private KeyCodec() {}

  /** The prefix shared by every version of {@code userKey}: escape(userKey) 0x00 0x01. */
  public static byte[] versionsPrefix(byte[] userKey) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(userKey.length + 4);
    writeEscaped(out, userKey);
    out.write(ESCAPE);
    out.write(TERMINATOR);
    return out.toByteArray();
  }

  /** The smallest encoded key at or after every version of {@code userKey}'s smaller keys. */
  public static byte[] seekKey(byte[] userKey) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(userKey.length + 2);
    writeEscaped(out, userKey);
    return out.toByteArray();
  }

  /** The key of {@code userKey}'s version at {@code mainRevision}. */
  public static byte[] versionKey(byte[] userKey, long mainRevision) {
    return versionKeyUnder(versionsPrefix(userKey), mainRevision);
  }

  /** The key of the version at {@code mainRevision} under an already encoded versions prefix. */
  public static byte[] versionKeyUnder(byte[] versionsPrefix, long mainRevision) {
    return ByteBuffer.allocate(versionsPrefix.length + Long.BYTES)
        .put(versionsPrefix)
        .putLong(~mainRevision)
        .array();
  }

  /** The first encoded key after every version of the user key whose prefix is given. */
  public static byte[] afterAllVersions(byte[] versionsPrefix) {
    byte[] next = Arrays.copyOf(versionsPrefix, versionsPrefix.length);
    next[next.length - 1] = PAST_TERMINATOR;
    return next;
  }

  /** Length of the versions prefix inside an encoded version key. */
  public static int prefixLength(byte[] encodedVersionKey) {
    return encodedVersionKey.length - Long.BYTES;
  }

  /** True when {@code encoded} is a version key under {@code versionsPrefix}. */
  public static boolean hasPrefix(byte[] encoded, byte[] versionsPrefix) {
    return encoded.length == versionsPrefix.length + Long.BYTES
        && Arrays.equals(encoded, 0, versionsPrefix.length, versionsPrefix, 0, versionsPrefix.length);
  }

  public static byte[] prefixOf(byte[] encodedVersionKey) {
    return Arrays.copyOf(encodedVersionKey, prefixLength(encodedVersionKey));
  }

  public static long mainRevisionOf(byte[] encodedVersionKey) {
    return ~ByteBuffer.wrap(encodedVersionKey, encodedVersionKey.length - Long.BYTES, Long.BYTES).getLong();
  }

  /** The user key inside a versions prefix (or inside a full version key). */
  public static byte[] userKeyOf(byte[] encoded) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length);
    for (int i = 0; i < encoded.length; i++) {
      byte b = encoded[i];
      if (b != ESCAPE) {
        out.write(b);
        continue;
      }
      byte marker = encoded[i + 1];
      if (marker == ESCAPED_ZERO) {
        out.write(0);
        i++;
      } else {
        return out.toByteArray();
      }
    }
    throw new IllegalArgumentException("encoded key has no terminator");
  }

  private static void writeEscaped(ByteArrayOutputStream out, byte[] userKey) {
    for (byte b : userKey) {
      out.write(b);
      if (b == ESCAPE) {
        out.write(ESCAPED_ZERO);
      }
    }
  }
}
