package io.strata.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.MemberAdd;
import io.strata.api.raftpb.MemberAttributes;
import io.strata.api.version.Version;
import io.strata.storage.Backend;
import io.strata.storage.StoreBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads a real jraft log offline: what the entries after the latest snapshot need. */
class RaftLogInspectorTest {
  @TempDir Path dir;

  private static final class IgnoringCore implements ApplyCore {
    @Override
    public ApplyResult apply(Entry entry, long index, long term, StoreBatch batch) {
      return ApplyResult.getDefaultInstance();
    }

    @Override
    public void committed(List<Event> events, long revision, long appliedIndex) { }

    @Override
    public void snapshotInstalled(long appliedIndex) { }
  }

  @Test
  void entriesAfterTheLatestSnapshotDecideTheVersionTheLogNeeds() throws Exception {
    String self = RaftTesting.freePeerAddress();
    Path data = dir.resolve("member");
    Files.createDirectories(data);
    AtomicInteger snapshots = new AtomicInteger();
    RaftObserver observer = new RaftObserver() {
      @Override
      public void snapshotSaved(long nanos) {
        snapshots.incrementAndGet();
      }
    };
    // A snapshot every 10 entries: two plain entries and one that needs 1.1 stay in the log; after a
    // restart, enough plain ones follow to put them all behind a snapshot.
    try (Backend backend = Backend.open(data.resolve("db"))) {
      RaftNode node = new RaftNode(new RaftSettings(data, self, List.of(self), 1000, 10), backend, new IgnoringCore(),
          observer, e -> { throw new AssertionError(e); });
      node.start();
      await().atMost(Duration.ofSeconds(15)).until(node::isLeader);
      RaftTesting.proposeAndWait(node, plain());
      RaftTesting.proposeAndWait(node, plain());
      RaftTesting.proposeAndWait(node, learner());
      node.close();
    }
    RaftLogInspector.Report before = RaftLogInspector.inspect(data);
    assertThat(before.minimalVersion()).isEqualTo(Version.parse("1.1"));
    assertThat(before.dataEntries()).isEqualTo(3);
    assertThat(before.newestEntryIndex()).isEqualTo(before.lastIndex());

    try (Backend backend = Backend.open(data.resolve("db"))) {
      RaftNode node = new RaftNode(new RaftSettings(data, self, List.of(self), 1000, 10), backend, new IgnoringCore(),
          observer, e -> { throw new AssertionError(e); });
      node.start();
      await().atMost(Duration.ofSeconds(15)).until(node::isLeader);
      for (int i = 0; i < 8; i++) {
        RaftTesting.proposeAndWait(node, plain());
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> snapshots.get() >= 1);
      node.close();
    }
    RaftLogInspector.Report after = RaftLogInspector.inspect(data);
    assertThat(after.snapshotIndex()).isGreaterThan(before.newestEntryIndex());
    assertThat(after.minimalVersion()).isEqualTo(Version.parse("1.0"));
  }

  private static Entry plain() {
    return Entry.newBuilder().setMemberAttributes(MemberAttributes.newBuilder().setMemberId(1).setName("n")).build();
  }

  private static Entry learner() {
    return Entry.newBuilder().setMemberAdd(MemberAdd.newBuilder()
        .setMember(Member.newBuilder().setID(9).addPeerURLs("http://127.0.0.1:1").setIsLearner(true))).build();
  }

}
