package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import org.junit.jupiter.api.Test;

class RequestChecksTest {
  private static final int MAX_OPS = 4;

  @Test
  void emptyKeysAreRefused() {
    assertThat(RequestChecks.checkRange(RangeRequest.getDefaultInstance())).isSameAs(EtcdErrors.EMPTY_KEY);
    assertThat(RequestChecks.checkPut(PutRequest.getDefaultInstance())).isSameAs(EtcdErrors.EMPTY_KEY);
    assertThat(RequestChecks.checkDelete(DeleteRangeRequest.getDefaultInstance())).isSameAs(EtcdErrors.EMPTY_KEY);
    assertThat(RequestChecks.checkTxn(txn(put("")), MAX_OPS)).isSameAs(EtcdErrors.EMPTY_KEY);
  }

  @Test
  void ignoreValueWithAValueAndIgnoreLeaseWithALeaseAreRefused() {
    assertThat(RequestChecks.checkPut(put("k").toBuilder().setIgnoreValue(true).setValue(bytes("v")).build()))
        .isSameAs(EtcdErrors.VALUE_PROVIDED);
    assertThat(RequestChecks.checkPut(put("k").toBuilder().setIgnoreLease(true).setLease(5).build()))
        .isSameAs(EtcdErrors.LEASE_PROVIDED);
  }

  @Test
  void exactlyMaxOpsIsAcceptedOneMoreIsNot() {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < MAX_OPS; i++) {
      txn.addSuccess(op(put("k" + i)));
    }
    assertThat(RequestChecks.checkTxn(txn.build(), MAX_OPS)).isNull();
    txn.addSuccess(op(put("extra")));
    assertThat(RequestChecks.checkTxn(txn.build(), MAX_OPS)).isSameAs(EtcdErrors.TOO_MANY_OPS);
    TxnRequest.Builder compares = TxnRequest.newBuilder();
    for (int i = 0; i <= MAX_OPS; i++) {
      compares.addCompare(Compare.newBuilder().setKey(bytes("c" + i)));
    }
    assertThat(RequestChecks.checkTxn(compares.build(), MAX_OPS)).isSameAs(EtcdErrors.TOO_MANY_OPS);
  }

  @Test
  void aKeyPutTwiceOrPutAndDeletedInOneBranchIsADuplicate() {
    assertThat(RequestChecks.checkTxn(txn(put("a"), put("a")), MAX_OPS)).isSameAs(EtcdErrors.DUPLICATE_KEY);
    assertThat(RequestChecks.checkTxn(txn(put("b"), delete("a", "c")), MAX_OPS)).isSameAs(EtcdErrors.DUPLICATE_KEY);
    assertThat(RequestChecks.checkTxn(txn(delete("a", "c"), put("c")), MAX_OPS)).isNull();
  }

  @Test
  void overlappingDeletesAreAllowed() {
    assertThat(RequestChecks.checkTxn(txn(delete("a", "c"), delete("b", "d")), MAX_OPS)).isNull();
  }

  @Test
  void theTwoBranchesOfANestedTxnMayShareKeysButNotWithTheOuterBranch() {
    TxnRequest nested = TxnRequest.newBuilder().addSuccess(op(put("x"))).addFailure(op(put("x"))).build();
    assertThat(RequestChecks.checkTxn(txn(RequestOp.newBuilder().setRequestTxn(nested).build()), MAX_OPS)).isNull();
    assertThat(RequestChecks.checkTxn(txn(RequestOp.newBuilder().setRequestTxn(nested).build(), op(put("x"))),
        MAX_OPS)).isSameAs(EtcdErrors.DUPLICATE_KEY);
    TxnRequest nestedDelete = TxnRequest.newBuilder().addSuccess(op(delete("x", ""))).build();
    assertThat(RequestChecks.checkTxn(txn(RequestOp.newBuilder().setRequestTxn(nestedDelete).build(), op(put("x"))),
        MAX_OPS)).isSameAs(EtcdErrors.DUPLICATE_KEY);
  }

  @Test
  void theSuccessAndFailureBranchesAreCheckedSeparately() {
    TxnRequest request = TxnRequest.newBuilder().addSuccess(op(put("a"))).addFailure(op(put("a"))).build();
    assertThat(RequestChecks.checkTxn(request, MAX_OPS)).isNull();
  }

  private static TxnRequest txn(Object... ops) {
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (Object o : ops) {
      txn.addSuccess(o instanceof RequestOp op ? op : op(o));
    }
    return txn.build();
  }

  private static RequestOp op(Object request) {
    if (request instanceof PutRequest put) {
      return RequestOp.newBuilder().setRequestPut(put).build();
    }
    if (request instanceof RequestOp op) {
      return op;
    }
    return RequestOp.newBuilder().setRequestDeleteRange((DeleteRangeRequest) request).build();
  }

  private static PutRequest put(String key) {
    return PutRequest.newBuilder().setKey(bytes(key)).build();
  }

  private static DeleteRangeRequest delete(String key, String end) {
    return DeleteRangeRequest.newBuilder().setKey(bytes(key)).setRangeEnd(bytes(end)).build();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
