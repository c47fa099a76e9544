package io.strata.storage;

/** A RocksDB operation failed (I/O error, full disk). The member must stop; it is never retried silently. */
public final class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
