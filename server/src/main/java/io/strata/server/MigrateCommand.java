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
    try (Backend backend = Backend.open(dbDir)) {
      Migration.run(backend, target, step -> System.out.println("  " + step));
    }
    System.out.println("updated storage version to " + target);
    return 0;
  }
}
