package io.strata.storage;

import io.strata.api.version.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The storage version: the schema version of a database, kept in its meta family. A member refuses
 * to open data whose storage version is newer than its own (emulated) version, and finds that out
 * without changing a byte: {@link #detect} opens the database read-only with whatever column
 * families it has, including ones this build does not know.
 *
 * <p>Who writes it: the bootstrap of a brand-new database, and the migrator. Nothing else.
 */
public final class StorageVersion {
  private StorageVersion() {}

  /**
   * The storage version of the database in {@code dir}: empty when there is no database yet, or
   * it carries no version record.
   *
   * @throws StorageException when the database exists but cannot be read
   */
  public static Optional<Version> detect(Path dir) {
    if (!Files.exists(dir.resolve("CURRENT"))) {
      return Optional.empty();
    }
    try (Options options = new Options()) {
      List<byte[]> names = RocksDB.listColumnFamilies(options, dir.toString());
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      int metaIndex = -1;
      for (byte[] name : names) {
        if (Arrays.equals(name, ColumnFamily.META.rocksName())) {
          metaIndex = descriptors.size();
        }
        descriptors.add(new ColumnFamilyDescriptor(name));
      }
      if (metaIndex < 0) {
        return Optional.empty();
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      try (DBOptions dbOptions = new DBOptions();
           RocksDB db = RocksDB.openReadOnly(dbOptions, dir.toString(), descriptors, handles)) {
        try {
          return parse(db.get(handles.get(metaIndex), MetaKey.STORAGE_VERSION.bytes()));
        } finally {
          handles.forEach(ColumnFamilyHandle::close);
        }
      }
    } catch (RocksDBException e) {
      throw new StorageException("cannot read the storage version in " + dir, e);
    }
  }

  /** The storage version of a committed view, if recorded. */
  public static Optional<Version> of(ReadView view) {
    return parse(view.getRaw(ColumnFamily.META, MetaKey.STORAGE_VERSION.bytes()));
  }

  /** The storage version as {@code batch} sees it, if recorded. */
  public static Optional<Version> of(StoreBatch batch) {
    return batch.storageVersion();
  }

  /** A version kept as "MAJOR.MINOR" text in the meta family (storage and cluster versions alike). */
  static Optional<Version> parse(byte[] value) {
    return value == null ? Optional.empty() : Optional.of(Version.parse(new String(value, StandardCharsets.UTF_8)));
  }

  /** Records {@code version} in {@code batch}: bootstrap and migrations only. */
  public static void write(StoreBatch batch, Version version) {
    batch.put(ColumnFamily.META, MetaKey.STORAGE_VERSION.bytes(), version.toString().getBytes(StandardCharsets.UTF_8));
    batch.storageVersionWritten(version);
  }
}
