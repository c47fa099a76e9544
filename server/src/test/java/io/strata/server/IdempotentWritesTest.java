package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.ClusterVersionSet;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.EntryHeader;
import io.strata.api.version.Version;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.RequestResults;
import io.strata.storage.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotent writes in the apply core, against a real RocksDB store, with the cluster version
 * applied through the log as on a member ({@link ClusterVersions}).
 */
class IdempotentWritesTest {
  private static final long WINDOW = 5;

  @TempDir Path dir;
  private Backend backend;
  private PhysicalCompactor compactor;
  private ClusterVersions clusterVersions;
  private IdempotentWrites core;
  private final Set<Long> leases = new HashSet<>();
  private long index;

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
    compactor = new PhysicalCompactor(backend);
    LeaseKeys knownLeases = new LeaseKeys() {
      @Override
      public boolean exists(long leaseId) {
        return leases.contains(leaseId);
      }

      @Override
      public void attach(long leaseId, ByteString key) { }

      @Override
      public void detach(long leaseId, ByteString key) { }
    };
    Alarms alarms = new Alarms(backend);
    clusterVersions = new ClusterVersions(backend, StrataVersion.LATEST.version(), () -> { });
    ApplyDispatcher dispatcher = new ApplyDispatcher(new KvApplier(knownLeases, compactor), alarms,
        new ApplyDispatcher.Features(ApplyDispatcher.NOT_CAPABLE, ApplyDispatcher.NOT_CAPABLE,
            ApplyDispatcher.NOT_CAPABLE, clusterVersions),
        AuthGate.OPEN, List.of(compactor, alarms, clusterVersions));
    core = new IdempotentWrites(dispatcher, clusterVersions::capabilities, WINDOW);
    setClusterVersion("1.2");
  }

  @AfterEach
  void close() {
    compactor.close();
    backend.close();
  }

  @Test
  void aPutSentTwiceWithTheSameIdAppliesOnceAndAnswersWithTheFirstResult() {
    apply(put("k", "v0"), 0);
    Entry.Builder put = put("k", "v1", true);
    ApplyResult first = apply(put, 7);
    ApplyResult again = apply(put, 7);
    assertThat(first.getPut().getHeader().getRevision()).isEqualTo(3);
    assertThat(first.getPut().getPrevKv().getValue().toStringUtf8()).isEqualTo("v0");
    assertThat(again).isEqualTo(first);
    assertThat(revision()).isEqualTo(3);
    assertThat(versionOf("k")).as("applied once").isEqualTo(2);
  }

  @Test
  void aTxnRetriedWithTheSameIdAnswersWithTheFirstBranchAndResponses() {
    Entry.Builder createOnce = txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(bytes("lock")).setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.EQUAL).setVersion(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bytes("lock")).setValue(bytes("me"))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes("lock")))));
    ApplyResult first = apply(createOnce, 11);
    ApplyResult again = apply(createOnce, 11);
    assertThat(first.getTxn().getSucceeded()).isTrue();
    assertThat(again).isEqualTo(first);
    ApplyResult other = apply(createOnce, 12);
    assertThat(other.getTxn().getSucceeded()).as("a different id is a new request").isFalse();
  }

  @Test
  void aDeleteRetriedWithTheSameIdStillReportsWhatItDeleted() {
    apply(put("a", "1"), 0);
    Entry.Builder delete = Entry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("a")).setPrevKv(true));
    ApplyResult first = apply(delete, 5);
    assertThat(first.getDeleteRange().getDeleted()).isEqualTo(1);
    assertThat(apply(delete, 5)).isEqualTo(first);
  }

  @Test
  void differentIdsAndEntriesWithoutAnIdApplyEveryTime() {
    apply(put("k", "v"), 1);
    apply(put("k", "v"), 2);
    apply(put("k", "v"), 0);
    apply(put("k", "v"), 0);
    assertThat(versionOf("k")).isEqualTo(4);
    assertThat(recordCount()).isEqualTo(2);
  }

  @Test
  void belowVersion12TheIdIsIgnoredAndNothingIsRecorded() {
    setClusterVersion("1.1");
    apply(put("k", "v"), 7);
    apply(put("k", "v"), 7);
    assertThat(versionOf("k")).isEqualTo(2);
    assertThat(recordCount()).isZero();
  }

  @Test
  void aClusterVersionBelow12ForgetsEveryRequestIdAndTheyApplyAgainAfterTheUpgrade() {
    apply(put("k", "v"), 7);
    assertThat(recordCount()).isEqualTo(1);
    setClusterVersion("1.1");
    assertThat(recordCount()).as("cleared in the batch that applied 1.1").isZero();
    setClusterVersion("1.2");
    apply(put("k", "v"), 7);
    assertThat(versionOf("k")).isEqualTo(2);
  }

  @Test
  void aRetryOfAnAppliedWriteIsAnsweredFromTheRecordAndAFirstRetryApplies() {
    ApplyResult first = apply(put("k", "v"), 7);
    assertThat(applyRetry(put("k", "v"), 7)).isEqualTo(first);
    assertThat(applyRetry(put("k", "v"), 8).hasPut()).as("the first attempt of id 8 never arrived").isTrue();
    assertThat(versionOf("k")).isEqualTo(2);
  }

  @Test
  void aRetryIsRefusedAndNotAppliedWhenItsIdIsNotDeduplicated() {
    apply(put("k", "v"), 7);
    assertThat(applyRetry(put("k", "v"), 0).getError().getMessage()).as("no request id")
        .isEqualTo(IdempotentWrites.RETRY_NOT_DEDUPLICATED.getStatus().getDescription());
    setClusterVersion("1.1");
    ApplyResult refused = applyRetry(put("k", "v"), 7);
    assertThat(refused.getError().getGrpcCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION.value());
    assertThat(refused.getError().getMessage()).startsWith("strata: retried write refused: ");
    assertThat(versionOf("k")).as("applied once").isEqualTo(1);
    assertThat(apply(put("k", "v"), 7).hasPut()).as("a first attempt still applies at 1.1").isTrue();
  }

  @Test
  void aFailedWriteIsNotRecordedSoItsRetryApplies() {
    Entry.Builder withLease = Entry.newBuilder().setPut(PutRequest.newBuilder().setKey(bytes("k")).setValue(bytes("v")).setLease(9));
    assertThat(apply(withLease, 3).getError().getMessage()).isEqualTo("etcdserver: requested lease not found");
    leases.add(9L);
    assertThat(apply(withLease, 3).hasPut()).isTrue();
    assertThat(versionOf("k")).isEqualTo(1);
  }

  @Test
  void anotherUsersRequestWithTheSameIdIsRefusedAndNotApplied() {
    apply(put("k", "v"), 7);
    Entry.Builder byBob = put("k", "w", true);
    byBob.setHeader(EntryHeader.newBuilder().setRequestId(7).setUsername("bob"));
    assertThat(applyAsIs(byBob).getError().getMessage()).isEqualTo("strata: request id was already used by another user");
    assertThat(versionOf("k")).isEqualTo(1);
  }

  @Test
  void aRequestIdIsRememberedForTheWindowOfRaftIndexesThenPruned() {
    long firstIndex = index + 1;
    ApplyResult first = apply(put("k", "v"), 7);
    while (index < firstIndex + WINDOW - 1) {
      apply(put("other", "x"), 0);
    }
    assertThat(apply(put("k", "v"), 7)).as("at index %d, within the window", index + 1).isEqualTo(first);
    assertThat(versionOf("k")).isEqualTo(1);
    apply(put("k", "v"), 7);
    assertThat(versionOf("k")).as("past the window: applied again").isEqualTo(2);
    // The new record of id 7 replaced the expired one.
    assertThat(recordCount()).isEqualTo(1);
    while (index < firstIndex + 3 * WINDOW) {
      apply(put("other", "x"), 0);
    }
    apply(put("k", "v"), 8);
    assertThat(recordCount()).as("id 7 pruned when id 8 was recorded").isEqualTo(1);
    try (StoreBatch batch = backend.beginBatch()) {
      assertThat(RequestResults.get(batch, 7)).isNull();
      assertThat(RequestResults.get(batch, 8)).isNotNull();
    }
  }

  @Test
  void onlyWritesAreCovered() {
    assertThat(IdempotentWrites.covers(put("k", "v"))).isTrue();
    assertThat(IdempotentWrites.covers(txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes("k"))))))).isFalse();
    assertThat(IdempotentWrites.covers(txn(TxnRequest.newBuilder()
        .addFailure(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("k"))))))))).isTrue();
    assertThat(IdempotentWrites.covers(Entry.newBuilder().setClusterVersionSet(ClusterVersionSet.newBuilder().setVersion("1.2")))).isFalse();
  }

  private void setClusterVersion(String version) {
    applyAsIs(Entry.newBuilder().setClusterVersionSet(ClusterVersionSet.newBuilder().setVersion(version)));
    assertThat(clusterVersions.current()).contains(Version.parse(version));
  }

  private ApplyResult apply(Entry.Builder entry, long requestId) {
    return applyAsIs(entry.clone().setHeader(EntryHeader.newBuilder().setRequestId(requestId)));
  }

  private ApplyResult applyRetry(Entry.Builder entry, long requestId) {
    return applyAsIs(entry.clone().setHeader(EntryHeader.newBuilder().setRequestId(requestId).setRetry(true)));
  }

  private ApplyResult applyAsIs(Entry.Builder entry) {
    try (StoreBatch batch = backend.beginBatch()) {
      ApplyResult result = core.apply(entry.build(), ++index, 1, batch);
      batch.setApplied(index, 1);
      batch.commit();
      core.committed(batch.events(), batch.currentRevision(), index);
      return result;
    }
  }

  private long revision() {
    try (ReadView view = backend.readView()) {
      return view.currentRevision();
    }
  }

  private long versionOf(String key) {
    try (ReadView view = backend.readView()) {
      var kv = view.get(bytes(key).toByteArray(), 0);
      return kv == null ? 0 : kv.getVersion();
    }
  }

  private long recordCount() {
    try (ReadView view = backend.readView()) {
      return RequestResults.count(view);
    }
  }

  private static Entry.Builder txn(TxnRequest.Builder txn) {
    return Entry.newBuilder().setTxn(txn);
  }

  private static Entry.Builder put(String key, String value) {
    return put(key, value, false);
  }

  private static Entry.Builder put(String key, String value, boolean prevKv) {
    return Entry.newBuilder().setPut(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).setPrevKv(prevKv));
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
