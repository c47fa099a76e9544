package io.strata.storage;

/** The database holds bytes this code cannot read: a fatal condition for the member. */
public final class StorageCorruptedException extends RuntimeException {
  public StorageCorruptedException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageCorruptedException(String message) {
    super(message);
  }
}
