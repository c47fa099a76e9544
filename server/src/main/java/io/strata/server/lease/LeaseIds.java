package io.strata.server.lease;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Picks the id of a lease granted with ID 0, on the member that received the request and before
 * proposing, so that apply stays deterministic. The layout is etcd's request id generator's:
 * the low 16 bits of the member id, then 40 bits of the start time in milliseconds and an 8-bit
 * counter, the whole masked to a positive int64. Ids of one member stay unique across restarts
 * while it issues fewer than 256 per millisecond on average; members whose ids differ in the low
 * 15 bits never collide. A collision anyway is refused by apply ("lease already exists") and the
 * service picks again.
 *
 * <p>Worked example: member id {@code 0x8e9e05c52164a211} and a clock at {@code 0x0174_8765_4321}
 * ms give the prefix {@code 0xa211 << 48} and the counter {@code 0x7487_6543_2100} (the clock
 * shifted by 8, cut to 48 bits); the first id is {@code 0xa211_7487_6543_2101} with the sign bit
 * cleared, {@code 0x2211_7487_6543_2101}.
 *
 * <p>Threading: thread-safe.
 */
public final class LeaseIds {
  private static final int SUFFIX_BITS = 48;
  private static final long SUFFIX_MASK = (1L << SUFFIX_BITS) - 1;

  private final long prefix;
  private final AtomicLong suffix;

  /** @param wallClockMillis read once, to seed the counter (not a time source for anything else) */
  public LeaseIds(long memberId, LongSupplier wallClockMillis) {
    this.prefix = (memberId & 0xFFFFL) << SUFFIX_BITS;
    this.suffix = new AtomicLong((wallClockMillis.getAsLong() << 8) & SUFFIX_MASK);
  }

  /** The next id: positive and never 0. */
  public long next() {
    while (true) {
      long id = (prefix | (suffix.incrementAndGet() & SUFFIX_MASK)) & Long.MAX_VALUE;
      if (id != 0) {
        return id;
      }
    }
  }
}
