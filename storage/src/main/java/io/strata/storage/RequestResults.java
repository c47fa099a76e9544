package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.records.RequestResultRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * The results of idempotent writes in the {@link ColumnFamily#REQUEST_RESULTS} family (since 1.2),
 * by client request id, with an index by Raft index so that old records can be pruned in order.
 *
 * <p>Layout (every number 8 bytes, big-endian, unsigned order):
 * <pre>
 *   'r' request_id           -> RequestResultRecord
 *   'i' raft_index request_id -> (empty)   one per record, at the record's index
 * </pre>
 * Example: request id 7 applied at index 42 is {@code r 00..07} and {@code i 00..2a 00..07}.
 * Only the apply path writes; every member holds the same records after the same entries.
 *
 * <p>Threading: apply thread only, inside its {@link StoreBatch}.
 */
public final class RequestResults {
  private static final byte RECORD = 'r';
  private static final byte BY_INDEX = 'i';

  private RequestResults() {}

  static byte[] recordKey(long requestId) {
    return ByteBuffer.allocate(1 + Long.BYTES).put(RECORD).putLong(requestId).array();
  }

  static byte[] indexKey(long index, long requestId) {
    return ByteBuffer.allocate(1 + 2 * Long.BYTES).put(BY_INDEX).putLong(index).putLong(requestId).array();
  }

  /** The record of {@code requestId} as this batch sees it, or null. */
  public static RequestResultRecord get(StoreBatch batch, long requestId) {
    byte[] bytes = batch.getRaw(ColumnFamily.REQUEST_RESULTS, recordKey(requestId));
    if (bytes == null) {
      return null;
    }
    try {
      return RequestResultRecord.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable request result record", e);
    }
  }

  /** Records the result of {@code requestId}, replacing (and unindexing) an older record of it. */
  public static void put(StoreBatch batch, long requestId, RequestResultRecord record) {
    RequestResultRecord older = get(batch, requestId);
    if (older != null) {
      batch.delete(ColumnFamily.REQUEST_RESULTS, indexKey(older.getIndex(), requestId));
    }
    batch.put(ColumnFamily.REQUEST_RESULTS, recordKey(requestId), record.toByteArray());
    batch.put(ColumnFamily.REQUEST_RESULTS, indexKey(record.getIndex(), requestId), new byte[0]);
  }

  /**
   * Deletes every record whose index is below {@code before}; returns how many. {@code from} is
   * a hint: no record below it exists (0 when unknown), so the scan skips what earlier prunes
   * already deleted.
   */
  public static long pruneBefore(StoreBatch batch, long from, long before) {
    List<byte[]> expired = new ArrayList<>();
    try (RocksIterator it = batch.overlayIterator(ColumnFamily.REQUEST_RESULTS)) {
      for (it.seek(indexKey(from, 0)); it.isValid(); it.next()) {
        ByteBuffer key = ByteBuffer.wrap(it.key());
        if (key.get() != BY_INDEX || Long.compareUnsigned(key.getLong(), before) >= 0) {
          break;
        }
        expired.add(it.key());
      }
    }
    for (byte[] key : expired) {
      long requestId = ByteBuffer.wrap(key, 1 + Long.BYTES, Long.BYTES).getLong();
      batch.delete(ColumnFamily.REQUEST_RESULTS, key);
      batch.delete(ColumnFamily.REQUEST_RESULTS, recordKey(requestId));
    }
    return expired.size();
  }

  /** Forgets every request id (the cluster version no longer has idempotent writes); returns how many keys. */
  public static long clear(StoreBatch batch) {
    return batch.clearFamily(ColumnFamily.REQUEST_RESULTS);
  }

  /** How many request ids have a record at the view's instant. */
  public static long count(ReadView view) {
    long count = 0;
    try (RocksIterator it = view.iterator(ColumnFamily.REQUEST_RESULTS)) {
      for (it.seek(new byte[] {RECORD}); it.isValid() && it.key()[0] == RECORD; it.next()) {
        count++;
      }
    }
    return count;
  }
}
