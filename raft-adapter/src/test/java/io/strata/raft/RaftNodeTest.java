package io.strata.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.alipay.sofa.jraft.storage.SnapshotThrottle;
import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.Backend;
import io.strata.storage.KvWriteTxn;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real jraft node over a real store: proposals apply once, restarts do not re-apply, snapshots are taken. */
class RaftNodeTest {
  @TempDir Path dir;

  /** Applies puts; counts how many entries it really applied. */
  private static final class PutCore implements ApplyCore {
    final AtomicInteger applied = new AtomicInteger();

    @Override
    public ApplyResult apply(Entry entry, long index, long term, StoreBatch batch) {
      applied.incrementAndGet();
      KvWriteTxn txn = batch.beginKvTxn();
      byte[] key = entry.getPut().getKey().toByteArray();
      txn.put(key, entry.getPut().getValue(), 0, txn.get(key));
      txn.end();
      return ApplyResult.getDefaultInstance();
    }

    @Override
    public void committed(List<Event> events, long revision, long appliedIndex) { }

    @Override
    public void snapshotInstalled(long appliedIndex) { }
  }

  @Test
  void proposalsApplyOnceAndSurviveARestartWithoutBeingReapplied() throws Exception {
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

    PutCore firstCore = new PutCore();
    try (Backend backend = Backend.open(data.resolve("db"))) {
      RaftNode node = new RaftNode(new RaftSettings(data, self, List.of(self), 1000, 5), backend, firstCore,
          observer, e -> { throw new AssertionError(e); });
      node.start();
      await().atMost(Duration.ofSeconds(15)).until(node::isLeader);
      for (int i = 0; i < 12; i++) {
        RaftTesting.proposeAndWait(node, put("k" + i, "v" + i));
      }
      assertThat(firstCore.applied.get()).isEqualTo(12);
      await().atMost(Duration.ofSeconds(10)).until(() -> snapshots.get() >= 1);
      node.close();
    }

    PutCore secondCore = new PutCore();
    try (Backend backend = Backend.open(data.resolve("db"))) {
      RaftNode node = new RaftNode(new RaftSettings(data, self, List.of(self), 1000, 5), backend, secondCore,
          RaftObserver.NONE, e -> { throw new AssertionError(e); });
      node.start();
      await().atMost(Duration.ofSeconds(15)).until(node::isLeader);
      await().atMost(Duration.ofSeconds(10)).until(() -> node.appliedIndex() >= 12);
      assertThat(secondCore.applied.get()).as("entries already in the store are not applied again").isZero();
      try (ReadView view = backend.readView()) {
        assertThat(view.get("k11".getBytes(), 0).getValue().toStringUtf8()).isEqualTo("v11");
        assertThat(view.currentRevision()).isEqualTo(13);
      }
      node.close();
    }
  }

  @Test
  void aLearnerReceivesTheLogWithoutVotingAndTheLeaderSeesHowFarItGot() throws Exception {
    String leaderPeer = RaftTesting.freePeerAddress();
    String learnerPeer = RaftTesting.freePeerAddress();
    Path leaderData = dir.resolve("leader");
    Path learnerData = dir.resolve("learner");
    Files.createDirectories(leaderData);
    Files.createDirectories(learnerData);
    PutCore learnerCore = new PutCore();
    try (Backend leaderBackend = Backend.open(leaderData.resolve("db"));
        Backend learnerBackend = Backend.open(learnerData.resolve("db"))) {
      RaftNode leader = new RaftNode(new RaftSettings(leaderData, leaderPeer, List.of(leaderPeer), 1000, 1000),
          leaderBackend, new PutCore(), RaftObserver.NONE, e -> { throw new AssertionError(e); });
      // Joins with no configuration, as a member started with --initial-cluster-state existing.
      RaftNode learner = new RaftNode(new RaftSettings(learnerData, learnerPeer, List.of(), 1000, 1000),
          learnerBackend, learnerCore, RaftObserver.NONE, e -> { throw new AssertionError(e); });
      try {
        leader.start();
        await().atMost(Duration.ofSeconds(15)).until(leader::isLeader);
        for (int i = 0; i < 5; i++) {
          RaftTesting.proposeAndWait(leader, put("k" + i, "v" + i));
        }
        assertThat(leader.matchIndex(learnerPeer)).as("no replicator before the learner is added").isEqualTo(-1);
        java.util.concurrent.CompletableFuture<String> added = new java.util.concurrent.CompletableFuture<>();
        leader.addLearner(learnerPeer, problem -> added.complete(problem == null ? "ok" : problem));
        assertThat(added.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("a learner is added before it starts").isEqualTo("ok");
        assertThat(leader.learners()).containsExactly(learnerPeer);
        assertThat(leader.peers()).containsExactly(leaderPeer);
        // jraft creates the replicator once it can connect: nothing is known to be replicated yet.
        assertThat(leader.matchIndex(learnerPeer)).isLessThanOrEqualTo(0);

        learner.start();
        RaftTesting.proposeAndWait(leader, put("after", "learner"));
        await().atMost(Duration.ofSeconds(15)).until(() -> leader.matchIndex(learnerPeer) == leader.lastLogIndex());
        await().atMost(Duration.ofSeconds(10)).until(() -> learnerCore.applied.get() == 6);
        assertThat(learner.isLeader()).isFalse();
        assertThat(learner.matchIndex(leaderPeer)).as("only the leader knows replication progress").isEqualTo(-1);
      } finally {
        learner.close();
        leader.close();
      }
    }
  }

  @Test
  void aSnapshotDownloadThatMakesNoProgressIsCancelledAndTheLeaderSendsTheSnapshotAgain() throws Exception {
    String leaderPeer = RaftTesting.freePeerAddress();
    String learnerPeer = RaftTesting.freePeerAddress();
    Path leaderData = dir.resolve("leader");
    Path learnerData = dir.resolve("learner");
    Files.createDirectories(leaderData);
    Files.createDirectories(learnerData);
    // Holds every file request of the learner's first download (jraft retries a throttled request
    // without end), the way a download whose file request is never answered hangs.
    AtomicBoolean downloadsHeld = new AtomicBoolean(true);
    SnapshotThrottle holdingThrottle = bytes -> downloadsHeld.get() ? 0 : bytes;
    AtomicInteger cancelled = new AtomicInteger();
    AtomicInteger installed = new AtomicInteger();
    RaftObserver learnerObserver = new RaftObserver() {
      @Override
      public void snapshotDownloadCancelled() {
        cancelled.incrementAndGet();
        downloadsHeld.set(false);
      }

      @Override
      public void snapshotInstalled() {
        installed.incrementAndGet();
      }
    };
    try (Backend leaderBackend = Backend.open(leaderData.resolve("db"));
        Backend learnerBackend = Backend.open(learnerData.resolve("db"))) {
      RaftNode leader = new RaftNode(new RaftSettings(leaderData, leaderPeer, List.of(leaderPeer), 1000, 5),
          leaderBackend, new PutCore(), RaftObserver.NONE, e -> { throw new AssertionError(e); });
      RaftNode learner = new RaftNode(new RaftSettings(learnerData, learnerPeer, List.of(), 1000, 1000),
          learnerBackend, new PutCore(), learnerObserver, e -> { throw new AssertionError(e); },
          Duration.ofSeconds(2), options -> options.setSnapshotThrottle(holdingThrottle));
      try {
        leader.start();
        await().atMost(Duration.ofSeconds(15)).until(leader::isLeader);
        for (int i = 0; i < 30; i++) {
          RaftTesting.proposeAndWait(leader, put("k" + i, "v" + i));
        }
        CompletableFuture<String> added = new CompletableFuture<>();
        leader.addLearner(learnerPeer, problem -> added.complete(problem == null ? "ok" : problem));
        assertThat(added.get(10, TimeUnit.SECONDS)).isEqualTo("ok");

        learner.start();
        // The leader's log starts after the first entries (snapshots every 5): only a snapshot brings them.
        await().atMost(Duration.ofSeconds(30)).until(() -> installed.get() >= 1);
        assertThat(cancelled.get()).as("the held download was cancelled by the watchdog").isGreaterThanOrEqualTo(1);
        try (ReadView view = learnerBackend.readView()) {
          assertThat(view.get("k0".getBytes(), 0).getValue().toStringUtf8()).isEqualTo("v0");
        }
        RaftTesting.proposeAndWait(leader, put("after", "install"));
        await().atMost(Duration.ofSeconds(15)).until(() -> learner.appliedIndex() == leader.lastLogIndex());
      } finally {
        learner.close();
        leader.close();
      }
    }
  }

  private static Entry put(String key, String value) {
    return Entry.newBuilder().setPut(PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))).build();
  }

}
