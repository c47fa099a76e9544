package io.strata.server;

import io.strata.api.version.Version;
import io.strata.raft.RaftLogInspector;
import io.strata.storage.Backend;
import io.strata.storage.Migration;
import io.strata.storage.StorageSchema;
import io.strata.storage.StorageVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata migrate}: moves a stopped member's data directory to another storage version,
 * several minor versions at once if needed (etcd's {@code etcdutl migrate}). A downgrade is
 * refused while the Raft log after the latest snapshot holds entries that the target version
 * cannot read, unless {@code --force}.
 *
 * <p>Exit codes: 0 done (or already at the target), 1 refused or failed, 128 bad arguments.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = "Migrate a stopped member's data directory to another storage version.")
final class MigrateCommand implements Callable<Integer> {
  static final int EXIT_BAD_ARGS = 128;

  @Option(names = "--data-dir", required = true, description = "Path to the member's data directory.")
  Path dataDir;

  @Option(names = "--target-version", required = true, description = "Target storage version, \"X.Y\".")
  String targetVersion;

  @Option(names = "--force", description = "Ignore migration failure and forcefully override storage version. Not recommended.")
  boolean force;

  @Override
  public Integer call() {
    Version target;
    try {
      target = Version.parse(targetVersion);
    } catch (IllegalArgumentException e) {
      System.err.println("Error: wrong target version format, expected \"X.Y\", got \"" + targetVersion + "\"");
      return EXIT_BAD_ARGS;
    }
    if (StorageSchema.oldest().isNewerThan(target)) {
      System.err.println("Error: target version \"" + target + "\" not supported. Minimal \"" + StorageSchema.oldest() + "\"");
      return EXIT_BAD_ARGS;
    }
    Path dbDir = dataDir.resolve("db");
    if (!Files.isDirectory(dbDir)) {
      System.err.println("Error: no Strata database in " + dataDir + " (expected " + dbDir + ")");
      return 1;
    }
    Optional<Version> current = StorageVersion.detect(dbDir);
    if (current.isEmpty()) {
      System.err.println("Error: cannot detect storage schema version: missing storage version record in " + dbDir);
      return 1;
    }
    if (current.get().equals(target)) {
      System.out.println("storage version up-to-date (" + target + ")");
      return 0;
    }
    List<Migration.Step> steps;
    try {
      steps = Migration.plan(current.get(), target);
    } catch (Migration.UnsupportedVersionException e) {
      System.err.println("Error: cannot create migration plan: " + e.getMessage());
      return 1;
    }
    if (target.compareTo(current.get()) < 0) {
      RaftLogInspector.Report log = RaftLogInspector.inspect(dataDir);
      if (log.minimalVersion().isNewerThan(target)) {
        String problem = "cannot downgrade storage, WAL contains newer entries: entry " + log.newestEntryIndex()
            + " after the latest snapshot (index " + log.snapshotIndex() + ") needs version " + log.minimalVersion();
        if (!force) {
          System.err.println("Error: " + problem);
          return 1;
        }
        System.err.println("warning: " + problem + "; migrating anyway (--force)");
      }
    }
    System.out.println("migrating " + dataDir + " from storage version " + current.get() + " to " + target
        + " in " + steps.size() + " step(s)");
    long started = System.nanoTime();
    WriteProgress progress = new WriteProgress(started, System.console() != null);
    try (Backend backend = Backend.open(dbDir)) {
      Migration.run(backend, target, step -> {
        progress.endLine();
        System.out.println("  " + step);
      }, progress::report);
    }
    progress.endLine();
    System.out.printf("updated storage version to %s in %.1f s%n", target, (System.nanoTime() - started) / 1e9);
    return 0;
  }

  /**
   * The progress of a large migration on stderr: one line rewritten in place on a terminal,
   * otherwise a line every {@value #PLAIN_EVERY} records.
   */
  private static final class WriteProgress {
    private static final long PLAIN_EVERY = 100_000;
    private final long started;
    private final boolean terminal;
    private boolean lineOpen;

    WriteProgress(long started, boolean terminal) {
      this.started = started;
      this.terminal = terminal;
    }

    void report(long records) {
      if (!terminal && records % PLAIN_EVERY != 0) {
        return;
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      String line = String.format("  ... %,d records written, %.1f s, %,.0f records/s",
          records, seconds, records / Math.max(seconds, 1e-3));
      if (terminal) {
        System.err.print("\r" + line);
        lineOpen = true;
      } else {
        System.err.println(line);
      }
    }

    void endLine() {
      if (lineOpen) {
        System.err.println();
        lineOpen = false;
      }
    }
  }
}
