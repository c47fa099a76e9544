package io.strata.raft;

import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.codec.v2.LogEntryV2CodecFactory;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.raftpb.Entry;
import io.strata.api.version.MinimalVersion;
import io.strata.api.version.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Reads a stopped member's Raft log offline: which entries come after its latest snapshot, and the
 * lowest version able to read them all ({@link MinimalVersion}). Lowering the storage version to T
 * is safe only when that version is at most T: entries behind the snapshot are never replayed.
 *
 * <p>Threading: one caller; the member must not be running. The log is opened by jraft's own
 * storage code, which may finish a prefix truncation it had recorded after a snapshot (what the
 * member would do at its next start); entries are only read.
 */
public final class RaftLogInspector {
  /** What the log after the latest snapshot needs. */
  public record Report(long snapshotIndex, long firstIndex, long lastIndex, long dataEntries,
      Version minimalVersion, long newestEntryIndex) {}

  private RaftLogInspector() {}

  /**
   * @param dataDir the member's data directory (the log is under {@code raft/log}, snapshots under
   *                {@code raft/snapshot})
   */
  public static Report inspect(Path dataDir) {
    long snapshotIndex = latestSnapshotIndex(dataDir.resolve("raft").resolve("snapshot"));
    Path logDir = dataDir.resolve("raft").resolve("log");
    if (!Files.isDirectory(logDir)) {
      return new Report(snapshotIndex, 0, 0, 0, MinimalVersion.BASELINE, 0);
    }
    RocksDBLogStorage log = new RocksDBLogStorage(logDir.toString(), new RaftOptions());
    LogStorageOptions options = new LogStorageOptions();
    options.setGroupId(RaftNode.GROUP);
    options.setConfigurationManager(new ConfigurationManager());
    options.setLogEntryCodecFactory(LogEntryV2CodecFactory.getInstance());
    if (!log.init(options)) {
      throw new IllegalStateException("cannot open the Raft log in " + logDir);
    }
    try {
      LogScan scan = scan(log, snapshotIndex);
      return new Report(snapshotIndex, log.getFirstLogIndex(), log.getLastLogIndex(), scan.dataEntries(),
          scan.minimalVersion(), scan.newestEntryIndex());
    } finally {
      log.shutdown();
    }
  }

  /** What the stored entries after some index need: their count, the version and the entry that needs it. */
  public record LogScan(long dataEntries, Version minimalVersion, long newestEntryIndex) {}

  /**
   * Scans the entries {@code log} holds after {@code afterIndex}; an entry that cannot be decoded
   * needs {@link MinimalVersion#UNKNOWN}. Used offline (above) and online by a running member,
   * whose log storage is safe to read while jraft appends.
   */
  static LogScan scan(LogStorage log, long afterIndex) {
    long last = log.getLastLogIndex();
    Version needed = MinimalVersion.BASELINE;
    long newestAt = 0;
    long dataEntries = 0;
    for (long index = Math.max(log.getFirstLogIndex(), afterIndex + 1); index <= last; index++) {
      LogEntry entry = log.getEntry(index);
      if (entry == null || entry.getType() != EnumOutter.EntryType.ENTRY_TYPE_DATA || entry.getData() == null) {
        continue;
      }
      dataEntries++;
      Version version;
      try {
        version = MinimalVersion.of(Entry.parseFrom(entry.getData().duplicate()));
      } catch (InvalidProtocolBufferException e) {
        version = MinimalVersion.UNKNOWN;
      }
      if (version.isNewerThan(needed)) {
        needed = version;
        newestAt = index;
      }
    }
    return new LogScan(dataEntries, needed, newestAt);
  }

  /** jraft keeps each snapshot in a directory named {@code snapshot_<last included index>}. */
  static long latestSnapshotIndex(Path snapshotDir) {
    if (!Files.isDirectory(snapshotDir)) {
      return 0;
    }
    try (Stream<Path> entries = Files.list(snapshotDir)) {
      return entries.map(p -> p.getFileName().toString())
          .filter(name -> name.matches("snapshot_\\d+"))
          .mapToLong(name -> Long.parseLong(name.substring("snapshot_".length())))
          .max().orElse(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
