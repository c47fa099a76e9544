package io.strata.storage;

import java.nio.ByteBuffer;

/**
 * A point in the MVCC history: {@code main} is the store revision a write entry created (one per
 * applied write request), {@code sub} numbers the changes inside that write (a txn changes several
 * keys at one main revision).
 *
 * <p>Byte layout, big-endian so that byte order equals numeric order:
 * <pre>
 *   [0..8)  main
 *   [8..16) sub
 * </pre>
 */
public record Revision(long main, long sub) implements Comparable<Revision> {
  public static final int BYTES = 16;

  public byte[] toBytes() {
    return ByteBuffer.allocate(BYTES).putLong(main).putLong(sub).array();
  }

  public static Revision fromBytes(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new Revision(buffer.getLong(), buffer.getLong());
  }

  @Override
  public int compareTo(Revision other) {
    int byMain = Long.compare(main, other.main);
    return byMain != 0 ? byMain : Long.compare(sub, other.sub);
  }
}
