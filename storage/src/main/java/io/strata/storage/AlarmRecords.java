package io.strata.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * Raised alarms in the {@link ColumnFamily#ALARMS} family. Key: member id (8 bytes, big-endian)
 * then alarm type (4 bytes); value empty.
 */
public final class AlarmRecords {
  /** One raised alarm: etcd's AlarmType number, raised for a member. */
  public record Alarm(long memberId, int type) {}

  private AlarmRecords() {}

  private static byte[] key(long memberId, int type) {
    return ByteBuffer.allocate(12).putLong(memberId).putInt(type).array();
  }

  public static void raise(StoreBatch batch, long memberId, int type) {
    batch.put(ColumnFamily.ALARMS, key(memberId, type), new byte[0]);
  }

  public static void clear(StoreBatch batch, long memberId, int type) {
    batch.delete(ColumnFamily.ALARMS, key(memberId, type));
  }

  /** The alarms as this batch sees them. */
  public static List<Alarm> list(StoreBatch batch) {
    try (RocksIterator it = batch.overlayIterator(ColumnFamily.ALARMS)) {
      return collect(it);
    }
  }

  public static List<Alarm> list(ReadView view) {
    try (RocksIterator it = view.iterator(ColumnFamily.ALARMS)) {
      return collect(it);
    }
  }

  private static List<Alarm> collect(RocksIterator it) {
    List<Alarm> alarms = new ArrayList<>();
    for (it.seekToFirst(); it.isValid(); it.next()) {
      ByteBuffer key = ByteBuffer.wrap(it.key());
      alarms.add(new Alarm(key.getLong(), key.getInt()));
    }
    return alarms;
  }
}
