package io.strata.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.sofa.jraft.entity.RaftOutter.SnapshotMeta;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.snapshot.local.LocalSnapshotStorage;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.google.protobuf.Message;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateMachineShellTest {
  @TempDir Path dir;

  /**
   * A crash mid-install leaves the staging directory beside jraft's snapshots; jraft's snapshot
   * storage must still open there (it parses every {@code snapshot_*} name as an index), and it
   * would not with a staging directory named after the snapshot.
   */
  @Test
  void jraftStartsBesideAStagingDirectoryThatACrashLeftBehind() throws Exception {
    Path snapshots = Files.createDirectories(dir.resolve("snapshot"));
    Path installed = Files.createDirectories(snapshots.resolve("snapshot_661"));
    Files.createDirectories(StateMachineShell.installStaging(installed));
    assertThat(StateMachineShell.installStaging(installed).getParent()).isEqualTo(snapshots);

    LocalSnapshotStorage storage = new LocalSnapshotStorage(snapshots.toString(), "strata", new RaftOptions());
    assertThat(storage.init(null)).isTrue();
    assertThat(storage.getLastSnapshotIndex()).isEqualTo(661);

    Files.createDirectories(snapshots.resolve("snapshot_661.install"));
    LocalSnapshotStorage besideSnapshotNamedStaging = new LocalSnapshotStorage(snapshots.toString(), "strata", new RaftOptions());
    assertThatThrownBy(() -> besideSnapshotNamedStaging.init(null))
        .as("a staging directory named after the snapshot").isInstanceOf(NumberFormatException.class);
  }

  /**
   * A snapshot that cannot be installed (here its files are gone) stops the member: jraft gets
   * false, which it reports as an error, and the fatal handler runs. An exception thrown into jraft
   * instead would leave the load pending forever while the member kept serving its old state.
   */
  @Test
  void aSnapshotThatCannotBeInstalledStopsTheMember() {
    List<Throwable> fatal = new ArrayList<>();
    try (Backend backend = Backend.open(dir.resolve("db"))) {
      StateMachineShell shell = new StateMachineShell(backend, new NoOpCore(), 0, () -> { },
          new RaftObserver() { }, index -> {
            throw new AssertionError("no log tail is read");
          }, fatal::add);

      boolean loaded = shell.onSnapshotLoad(new MissingSnapshot(dir.resolve("gone"), 42));

      assertThat(loaded).isFalse();
      assertThat(fatal).hasSize(1);
      try (ReadView view = backend.readView()) {
        assertThat(view.consistentIndex()).as("the database is unchanged").isZero();
      }
    }
  }

  private static final class NoOpCore implements ApplyCore {
    @Override
    public ApplyResult apply(Entry entry, long index, long term, StoreBatch batch) {
      return ApplyResult.getDefaultInstance();
    }

    @Override
    public void committed(List<io.strata.api.mvccpb.Event> events, long revision, long appliedIndex) { }

    @Override
    public void snapshotInstalled(long appliedIndex) { }
  }

  /** A snapshot at {@code index} whose directory does not exist. */
  private static final class MissingSnapshot extends SnapshotReader {
    private final Path path;
    private final long index;

    MissingSnapshot(Path path, long index) {
      this.path = path;
      this.index = index;
    }

    @Override
    public SnapshotMeta load() {
      return SnapshotMeta.newBuilder().setLastIncludedIndex(index).setLastIncludedTerm(1).build();
    }

    @Override
    public String generateURIForCopy() {
      return null;
    }

    @Override
    public boolean init(Void opts) {
      return true;
    }

    @Override
    public void shutdown() { }

    @Override
    public void close() { }

    @Override
    public String getPath() {
      return path.toString();
    }

    @Override
    public Set<String> listFiles() {
      return Set.of();
    }

    @Override
    public Message getFileMeta(String fileName) {
      return null;
    }
  }
}
