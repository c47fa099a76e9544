package io.strata.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * The state database: one RocksDB instance with the families of {@link ColumnFamily}.
 *
 * <p>Threading: reads ({@link #readView()}) may run on any thread, concurrently with each other and
 * with the single writer. Writes come only from the apply thread ({@link #beginBatch()}) and from
 * the compactor; a batch that is never committed ({@link Migration#preview}) only reads and may be
 * opened on any thread. {@link #replaceWith} (snapshot install) waits until no read view or batch is open;
 * the lifecycle lock it takes is shared by all readers, so readers never wait on each other.
 *
 * <p>Live keys ({@link #liveKeyCount()}): counted once by a scan, on the first call after the
 * database was opened or replaced, then kept exact by the changes each committed batch reports.
 *
 * <p>Durability: batches are written to RocksDB's WAL without fsync. That is safe because the Raft
 * log is fsynced and every batch carries the consistent index of the last entry it covers: after a
 * crash the database is a prefix of the applied entries and Raft replays the rest.
 */
public final class Backend implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private final Map<ColumnFamily, ColumnFamilyHandle> handles = new EnumMap<>(ColumnFamily.class);
  private final WriteOptions writeOptions = new WriteOptions().setSync(false);
  private static final long UNCOUNTED = -1;
  /** Taken by {@link #liveKeyCount()} first, so only one scan runs at a time. */
  private final Object liveKeysScan = new Object();
  /**
   * Guards the live-key fields and each batch write, so that a batch is either in a count's
   * snapshot or in its {@link #liveKeysChangedDuringScan}, never both or neither. Taken only while
   * holding the lifecycle lock (read or write), so never in a cycle with it.
   */
  private final Object liveKeysLock = new Object();
  private long liveKeys = UNCOUNTED;
  private boolean liveKeysScanRunning;
  private long liveKeysChangedDuringScan;
  private DBOptions dbOptions;
  private ColumnFamilyOptions cfOptions;
  private ColumnFamilyHandle defaultHandle;
  private RocksDB db;

  private Backend(Path dir) {
    this.dir = dir;
  }

  /** Opens (creating if needed) the database in {@code dir}. */
  public static Backend open(Path dir) {
    Backend backend = new Backend(dir);
    backend.openDb();
    return backend;
  }

  private void openDb() {
    try {
      recoverReplacement(dir);
      Files.createDirectories(dir);
      dbOptions = new DBOptions()
          .setCreateIfMissing(true)
          .setCreateMissingColumnFamilies(true)
          .setMaxBackgroundJobs(2)
          .setBytesPerSync(1 << 20);
      cfOptions = new ColumnFamilyOptions().optimizeLevelStyleCompaction();
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
      for (ColumnFamily family : ColumnFamily.values()) {
        descriptors.add(new ColumnFamilyDescriptor(family.rocksName(), cfOptions));
      }
      List<ColumnFamilyHandle> opened = new ArrayList<>();
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, opened);
      synchronized (liveKeysLock) {
        liveKeys = UNCOUNTED;
      }
      defaultHandle = opened.get(0);
      for (ColumnFamily family : ColumnFamily.values()) {
        handles.put(family, opened.get(family.ordinal() + 1));
      }
    } catch (RocksDBException e) {
      throw new StorageException("cannot open state database in " + dir, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path dir() {
    return dir;
  }

  /** A consistent read-only view of the committed state; close it promptly. */
  public ReadView readView() {
    lifecycle.readLock().lock();
    try {
      return new ReadView(this, db, handles);
    } catch (RuntimeException e) {
      lifecycle.readLock().unlock();
      throw e;
    }
  }

  /** Starts the batch that collects the effects of one applied group of entries (apply thread only). */
  public StoreBatch beginBatch() {
    lifecycle.readLock().lock();
    try {
      return new StoreBatch(this, db, handles);
    } catch (RuntimeException e) {
      lifecycle.readLock().unlock();
      throw e;
    }
  }

  void release() {
    lifecycle.readLock().unlock();
  }

  WriteOptions writeOptions() {
    return writeOptions;
  }

  /** Writes a batch that created {@code liveKeysDelta} more live keys than it deleted (caller holds the read lock). */
  void write(WriteBatchWithIndex batch, long liveKeysDelta) throws RocksDBException {
    synchronized (liveKeysLock) {
      db.write(writeOptions, batch);
      if (liveKeys != UNCOUNTED) {
        liveKeys += liveKeysDelta;
      } else if (liveKeysScanRunning) {
        liveKeysChangedDuringScan += liveKeysDelta;
      }
    }
  }

  /**
   * The number of keys with a live version at the current revision (etcd's
   * {@code etcd_debugging_mvcc_keys_total}), exact. The first call after the database was opened or
   * replaced scans every key once (one seek per key, like a count-only range over everything);
   * later calls only read the count that committed batches keep up to date. Blocks a
   * {@link #replaceWith} while it scans.
   */
  public long liveKeyCount() {
    synchronized (liveKeysScan) {
      lifecycle.readLock().lock();
      try {
        ReadView snapshot;
        synchronized (liveKeysLock) {
          if (liveKeys != UNCOUNTED) {
            return liveKeys;
          }
          snapshot = readView(); // a reentrant read lock: does not wait for a queued writer
          liveKeysScanRunning = true;
          liveKeysChangedDuringScan = 0;
        }
        long counted;
        try (snapshot) {
          counted = snapshot.range(new byte[0], new byte[] {0}, 0, 0, false).count();
        } catch (RuntimeException e) {
          synchronized (liveKeysLock) {
            liveKeysScanRunning = false;
          }
          throw e;
        }
        synchronized (liveKeysLock) {
          liveKeysScanRunning = false;
          liveKeys = counted + liveKeysChangedDuringScan;
          return liveKeys;
        }
      } finally {
        lifecycle.readLock().unlock();
      }
    }
  }

  /** Reads a long meta value from the committed state; 0 when absent. */
  public long metaLong(MetaKey key) {
    try (ReadView view = readView()) {
      return view.metaLong(key);
    }
  }

  /** Writes a consistent copy of the database (hard links where possible) into {@code target}, which must not exist. */
  public void checkpoint(Path target) {
    lifecycle.readLock().lock();
    try (Checkpoint checkpoint = Checkpoint.create(db)) {
      checkpoint.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new StorageException("cannot checkpoint state database into " + target, e);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /**
   * Replaces the whole database with a copy of the checkpoint in {@code checkpointDir} (a snapshot
   * install). Blocks until every open read view and batch is closed.
   *
   * <p>Durable when it returns, and atomic across a crash: the copy is fsynced beside the database
   * ({@code <dir>.incoming}), then swapped in by two renames whose directory is fsynced; {@link
   * #open} finishes or undoes a swap that a crash interrupted. Raft goes on from the snapshot's
   * index once this returns, so the installed state must not live in the page cache only.
   */
  public void replaceWith(Path checkpointDir) {
    Path incoming = incoming(dir);
    Path outgoing = outgoing(dir);
    deleteTree(incoming);
    copyRecursively(checkpointDir, incoming);
    FileSync.syncTree(incoming);
    lifecycle.writeLock().lock();
    try {
      closeDb();
      deleteTree(outgoing);
      Files.move(dir, outgoing, StandardCopyOption.ATOMIC_MOVE);
      Files.move(incoming, dir, StandardCopyOption.ATOMIC_MOVE);
      FileSync.sync(dir.toAbsolutePath().getParent());
      deleteTree(outgoing);
      openDb();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot swap the installed snapshot into " + dir, e);
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  /**
   * Completes or rolls back a {@link #replaceWith} that a crash interrupted. {@code incoming} is
   * renamed only once complete and synced, so: the database missing while {@code incoming} exists
   * means the crash fell between the two renames, and {@code incoming} is the installed database;
   * otherwise whatever is left beside the database is stale.
   */
  private static void recoverReplacement(Path dir) throws IOException {
    Path incoming = incoming(dir);
    Path outgoing = outgoing(dir);
    if (!Files.exists(dir) && Files.exists(incoming) && Files.exists(outgoing)) {
      Files.move(incoming, dir, StandardCopyOption.ATOMIC_MOVE);
      FileSync.sync(dir.toAbsolutePath().getParent());
    }
    deleteTree(incoming);
    deleteTree(outgoing);
  }

  private static Path incoming(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".incoming");
  }

  private static Path outgoing(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".outgoing");
  }

  /** Bytes of live data files (etcd's dbSize). */
  public long sizeBytes() {
    return longProperty("rocksdb.total-sst-files-size") + longProperty("rocksdb.cur-size-all-mem-tables");
  }

  /** Bytes of data files still referenced by the current version (etcd's dbSizeInUse). */
  public long sizeInUseBytes() {
    return longProperty("rocksdb.live-sst-files-size") + longProperty("rocksdb.cur-size-all-mem-tables");
  }

  private long longProperty(String name) {
    lifecycle.readLock().lock();
    try {
      long total = 0;
      for (ColumnFamilyHandle handle : handles.values()) {
        total += db.getLongProperty(handle, name);
      }
      return total;
    } catch (RocksDBException e) {
      return 0;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Compacts RocksDB files of every family (etcd's defragment). */
  public void compactFiles() {
    lifecycle.readLock().lock();
    try {
      for (ColumnFamilyHandle handle : handles.values()) {
        db.compactRange(handle);
      }
    } catch (RocksDBException e) {
      throw new StorageException("file compaction failed", e);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Work that needs the raw database, run while the database cannot be replaced. */
  interface DbWork<T> {
    T run(RocksDB db, Map<ColumnFamily, ColumnFamilyHandle> handles) throws RocksDBException;
  }

  <T> T withDb(DbWork<T> work) {
    lifecycle.readLock().lock();
    try {
      return work.run(db, handles);
    } catch (RocksDBException e) {
      throw new StorageException("state database operation failed", e);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  static byte[] longBytes(long value) {
    return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
  }

  static long bytesLong(byte[] bytes) {
    return bytes == null ? 0 : ByteBuffer.wrap(bytes).getLong();
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      closeDb();
      writeOptions.close();
    } finally {
      lifecycle.writeLock().unlock();
    }
  }

  private void closeDb() {
    if (db == null) {
      return;
    }
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      // the database is closing; a WAL that cannot be synced is covered by Raft's log
    }
    handles.values().forEach(ColumnFamilyHandle::close);
    handles.clear();
    defaultHandle.close();
    db.close();
    db = null;
    dbOptions.close();
    cfOptions.close();
  }

  /** Deletes a directory tree if it exists. */
  public static void deleteTree(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void copyRecursively(Path from, Path to) {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path source : walk.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
