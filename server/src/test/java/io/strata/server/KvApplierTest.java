package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.AlarmRequest;
import io.strata.api.etcdserverpb.AlarmType;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The apply core against a real RocksDB store: etcd's txn, put and compaction semantics. */
class KvApplierTest {
  @TempDir Path dir;
  private Backend backend;
  private ApplyDispatcher core;
  private PhysicalCompactor compactor;
  private long index;

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
    compactor = new PhysicalCompactor(backend);
    LeaseKeys onlyLease42 = new LeaseKeys() {
      @Override
      public boolean exists(long leaseId) {
        return leaseId == 42;
      }

      @Override
      public void attach(long leaseId, ByteString key) { }

      @Override
      public void detach(long leaseId, ByteString key) { }
    };
    Alarms alarms = new Alarms(backend);
    core = new ApplyDispatcher(new KvApplier(onlyLease42, compactor), alarms, new ApplyDispatcher.Features(
        ApplyDispatcher.NOT_CAPABLE, ApplyDispatcher.NOT_CAPABLE, ApplyDispatcher.NOT_CAPABLE, null),
        AuthGate.OPEN, List.of(compactor, alarms));
  }

  @AfterEach
  void close() {
    compactor.close();
    backend.close();
  }

  @Test
  void aPutAnswersWithItsRevisionAndPreviousValue() {
    apply(Entry.newBuilder().setPut(put("k", "v1")));
    ApplyResult second = apply(Entry.newBuilder().setPut(put("k", "v2").toBuilder().setPrevKv(true)));
    assertThat(second.getPut().getHeader().getRevision()).isEqualTo(3);
    assertThat(second.getPut().getPrevKv().getValue().toStringUtf8()).isEqualTo("v1");
  }

  @Test
  void comparesOnMissingKeysUseZeroExceptForValues() {
    ApplyResult versionZero = apply(txn(TxnRequest.newBuilder()
        .addCompare(compare("missing", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL))
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("a", "1")))));
    assertThat(versionZero.getTxn().getSucceeded()).isTrue();
    ApplyResult valueCompare = apply(txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(bytes("missing")).setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.NOT_EQUAL).setValue(bytes("x")))));
    assertThat(valueCompare.getTxn().getSucceeded()).isFalse();
  }

  @Test
  void nestedComparesSeeTheStateBeforeTheTxn() {
    // The outer put creates "a"; the nested compare on "a" must still see it missing.
    TxnRequest nested = TxnRequest.newBuilder()
        .addCompare(compare("a", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL))
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("b", "nested-success")))
        .addFailure(RequestOp.newBuilder().setRequestPut(put("b", "nested-failure")))
        .build();
    ApplyResult result = apply(txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("a", "1")))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(nested))));
    assertThat(result.getTxn().getResponses(1).getResponseTxn().getSucceeded()).isTrue();
    assertThat(value("b")).isEqualTo("nested-success");
  }

  @Test
  void aRangeInsideATxnSeesTheWritesBeforeIt() {
    ApplyResult result = apply(txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("a", "1")))
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes("a"))))));
    assertThat(result.getTxn().getResponses(1).getResponseRange().getKvs(0).getValue().toStringUtf8())
        .isEqualTo("1");
    assertThat(result.getTxn().getHeader().getRevision()).isEqualTo(2);
  }

  @Test
  void aFailedCheckLeavesTheStoreAndRevisionUntouched() {
    ApplyResult missingLease = apply(txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("a", "1")))
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("b", "1").toBuilder().setLease(7)))));
    assertThat(missingLease.getError().getMessage()).isEqualTo("etcdserver: requested lease not found");
    ApplyResult ignoreValue = apply(Entry.newBuilder().setPut(PutRequest.newBuilder()
        .setKey(bytes("nope")).setIgnoreValue(true)));
    assertThat(ignoreValue.getError().getMessage()).isEqualTo("etcdserver: key not found");
    try (ReadView view = backend.readView()) {
      assertThat(view.currentRevision()).isEqualTo(1);
      assertThat(view.get(bytes("a").toByteArray(), 0)).isNull();
    }
    ApplyResult withKnownLease = apply(Entry.newBuilder().setPut(put("c", "1").toBuilder().setLease(42)));
    assertThat(withKnownLease.hasPut()).isTrue();
  }

  @Test
  void ignoreValueKeepsTheValueAndIgnoreLeaseTheLease() {
    apply(Entry.newBuilder().setPut(put("k", "v").toBuilder().setLease(42)));
    apply(Entry.newBuilder().setPut(PutRequest.newBuilder().setKey(bytes("k")).setIgnoreValue(true)));
    try (ReadView view = backend.readView()) {
      assertThat(view.get(bytes("k").toByteArray(), 0).getValue().toStringUtf8()).isEqualTo("v");
      assertThat(view.get(bytes("k").toByteArray(), 0).getLease()).isZero();
    }
    apply(Entry.newBuilder().setPut(put("k", "w").toBuilder().setLease(42)));
    apply(Entry.newBuilder().setPut(PutRequest.newBuilder().setKey(bytes("k")).setValue(bytes("x")).setIgnoreLease(true)));
    try (ReadView view = backend.readView()) {
      assertThat(view.get(bytes("k").toByteArray(), 0).getLease()).isEqualTo(42);
    }
  }

  @Test
  void deleteCountsAndReturnsPreviousValuesOnlyWhenAsked() {
    apply(Entry.newBuilder().setPut(put("a1", "x")));
    apply(Entry.newBuilder().setPut(put("a2", "y")));
    ApplyResult result = apply(Entry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder()
        .setKey(bytes("a")).setRangeEnd(bytes("b")).setPrevKv(true)));
    assertThat(result.getDeleteRange().getDeleted()).isEqualTo(2);
    assertThat(result.getDeleteRange().getPrevKvsList()).hasSize(2);
    assertThat(result.getDeleteRange().getHeader().getRevision()).isEqualTo(4);
    ApplyResult nothing = apply(Entry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("a1"))));
    assertThat(nothing.getDeleteRange().getDeleted()).isZero();
    assertThat(nothing.getDeleteRange().getHeader().getRevision()).isEqualTo(4);
  }

  @Test
  void compactionRefusesCompactedAndFutureRevisionsAndCompactsPhysicallyAfterCommit() throws Exception {
    apply(Entry.newBuilder().setPut(put("a", "1")));
    apply(Entry.newBuilder().setPut(put("a", "2")));
    assertThat(apply(compaction(9)).getError().getMessage()).isEqualTo("etcdserver: mvcc: required revision is a future revision");
    assertThat(apply(compaction(2)).hasCompaction()).isTrue();
    assertThat(apply(compaction(2)).getError().getMessage()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
    compactor.awaitCompacted(2).get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(backend.metaLong(io.strata.storage.MetaKey.FINISHED_COMPACT_REVISION)).isEqualTo(2);
  }

  @Test
  void aTxnRangeAtACompactedRevisionFailsTheWholeTxn() {
    apply(Entry.newBuilder().setPut(put("a", "1")));
    apply(Entry.newBuilder().setPut(put("a", "2")));
    apply(compaction(3));
    ApplyResult result = apply(txn(TxnRequest.newBuilder()
        .addSuccess(RequestOp.newBuilder().setRequestPut(put("b", "1")))
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes("a")).setRevision(2)))));
    assertThat(result.getError().getMessage()).isEqualTo("etcdserver: mvcc: required revision has been compacted");
    assertThat(value("b")).isNull();
  }

  @Test
  void aNoSpaceAlarmRefusesPutsButNotDeletesUntilDisarmed() {
    apply(Entry.newBuilder().setPut(put("a", "1")));
    ApplyResult raised = apply(Entry.newBuilder().setAlarm(AlarmRequest.newBuilder()
        .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(7).setAlarm(AlarmType.NOSPACE)));
    assertThat(raised.getAlarm().getAlarmsList()).hasSize(1);
    assertThat(apply(Entry.newBuilder().setPut(put("b", "1"))).getError().getMessage())
        .isEqualTo("etcdserver: mvcc: database space exceeded");
    assertThat(apply(txn(TxnRequest.newBuilder().addFailure(RequestOp.newBuilder().setRequestPut(put("c", "1")))))
        .getError().getMessage()).isEqualTo("etcdserver: mvcc: database space exceeded");
    assertThat(apply(Entry.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bytes("a"))))
        .getDeleteRange().getDeleted()).isEqualTo(1);
    ApplyResult listed = apply(Entry.newBuilder().setAlarm(AlarmRequest.newBuilder()
        .setAction(AlarmRequest.AlarmAction.GET)));
    assertThat(listed.getAlarm().getAlarms(0).getMemberID()).isEqualTo(7);
    apply(Entry.newBuilder().setAlarm(AlarmRequest.newBuilder()
        .setAction(AlarmRequest.AlarmAction.DEACTIVATE).setMemberID(7).setAlarm(AlarmType.NOSPACE)));
    assertThat(apply(Entry.newBuilder().setPut(put("b", "1"))).hasPut()).isTrue();
  }

  private ApplyResult apply(Entry.Builder entry) {
    try (StoreBatch batch = backend.beginBatch()) {
      ApplyResult result = core.apply(entry.build(), ++index, 1, batch);
      batch.setApplied(index, 1);
      batch.commit();
      core.committed(batch.events(), batch.currentRevision(), index);
      return result;
    }
  }

  private String value(String key) {
    try (ReadView view = backend.readView()) {
      var kv = view.get(bytes(key).toByteArray(), 0);
      return kv == null ? null : kv.getValue().toStringUtf8();
    }
  }

  private static Entry.Builder txn(TxnRequest.Builder txn) {
    return Entry.newBuilder().setTxn(txn);
  }

  private static Entry.Builder compaction(long revision) {
    return Entry.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(revision));
  }

  private static Compare compare(String key, Compare.CompareTarget target, Compare.CompareResult result) {
    return Compare.newBuilder().setKey(bytes(key)).setTarget(target).setResult(result).build();
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
