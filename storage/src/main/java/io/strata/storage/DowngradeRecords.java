package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.records.DowngradeRecord;

/** The downgrade state in the meta family; written by apply only. No record means none ever enabled. */
public final class DowngradeRecords {
  private DowngradeRecords() {}

  public static DowngradeRecord of(ReadView view) {
    return parse(view.getRaw(ColumnFamily.META, MetaKey.DOWNGRADE.bytes()));
  }

  public static DowngradeRecord of(StoreBatch batch) {
    return parse(batch.getRaw(ColumnFamily.META, MetaKey.DOWNGRADE.bytes()));
  }

  public static void write(StoreBatch batch, DowngradeRecord record) {
    batch.put(ColumnFamily.META, MetaKey.DOWNGRADE.bytes(), record.toByteArray());
  }

  private static DowngradeRecord parse(byte[] value) {
    if (value == null) {
      return DowngradeRecord.getDefaultInstance();
    }
    try {
      return DowngradeRecord.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable downgrade record", e);
    }
  }
}
