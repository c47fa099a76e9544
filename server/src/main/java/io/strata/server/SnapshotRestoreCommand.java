package io.strata.server;

import io.strata.api.etcdserverpb.Member;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.SnapshotArchive;
import io.strata.storage.StoreBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code strata snapshot restore}: turns a snapshot taken with Maintenance.Snapshot (e.g.
 * {@code etcdctl snapshot save}) into the data directory of a member of a NEW cluster, as
 * {@code etcdctl snapshot restore} does: the keys, leases and auth data are kept; the membership
 * is replaced by {@code --initial-cluster}, and the Raft position starts afresh.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = "Restore a member's data directory from a snapshot file.")
final class SnapshotRestoreCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "<filename>", description = "The snapshot file.")
  Path snapshot;

  @Option(names = "--data-dir", description = "Path to the data directory to create (default: ${name}.strata).")
  Path dataDir;

  @Option(names = "--name", defaultValue = "default", description = "Human-readable name for this member.")
  String name;

  @Option(names = "--initial-cluster", description = "Initial cluster configuration for restore bootstrap (default: this member alone).")
  String initialCluster;

  @Option(names = "--initial-cluster-token", defaultValue = "strata-cluster", description = "Initial cluster token for the cluster during restore bootstrap.")
  String initialClusterToken;

  @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://127.0.0.1:2380", description = "This member's peer URL.")
  String initialAdvertisePeerUrls;

  @Override
  public Integer call() {
    Path target = dataDir != null ? dataDir : Path.of(name + ".strata");
    try {
      if (Files.exists(target) && !isEmptyDirectory(target)) {
        System.err.println("Error: data-dir \"" + target + "\" exists");
        return 1;
      }
      InitialCluster cluster = InitialCluster.parse(
          initialCluster != null ? initialCluster : name + "=" + initialAdvertisePeerUrls, initialClusterToken);
      Member self = cluster.memberNamed(name);
      SnapshotArchive.unpack(snapshot, target.resolve("db"));
      long revision;
      try (Backend backend = Backend.open(target.resolve("db"))) {
        try (StoreBatch batch = backend.beginBatch()) {
          batch.clearMembers();
          cluster.members().forEach(batch::putMember);
          // A new cluster: its Raft log starts at index 1, so nothing in the store counts as applied.
          batch.setApplied(0, 0);
          batch.commit();
        }
        try (ReadView view = backend.readView()) {
          revision = view.currentRevision();
        }
      }
      System.out.printf("restored snapshot %s at revision %d into %s (member %s, id %x, cluster id %x)%n",
          snapshot, revision, target, name, self.getID(), cluster.clusterId());
      return 0;
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("Error: " + e.getMessage());
      return 1;
    }
  }

  private static boolean isEmptyDirectory(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      return false;
    }
    try (var entries = Files.list(path)) {
      return entries.findAny().isEmpty();
    }
  }

  /** The {@code strata snapshot} command group. */
  @Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Snapshot tools.",
      subcommands = SnapshotRestoreCommand.class)
  static final class Group implements Callable<Integer> {
    @Override
    public Integer call() {
      System.err.println("Error: missing subcommand (restore)");
      return 2;
    }
  }
}
