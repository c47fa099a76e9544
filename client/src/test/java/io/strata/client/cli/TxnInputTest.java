package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.RequestOp;
import org.junit.jupiter.api.Test;

/** txn's input read as etcdctl reads it: compares, request lines, quoting and its errors. */
class TxnInputTest {

  @Test
  void comparesOfEveryTarget() throws CtlException {
    assertThat(TxnInput.compare("mod(\"k\") > \"5\""))
        .isEqualTo(
            Compare.newBuilder()
                .setKey(KeyRanges.utf8("k"))
                .setTarget(Compare.CompareTarget.MOD)
                .setModRevision(5)
                .setResult(Compare.CompareResult.GREATER)
                .build());
    assertThat(TxnInput.compare("val(\"k\") != \"a \\\"b\\\"\"").getValue().toStringUtf8())
        .isEqualTo("a \"b\"");
    assertThat(TxnInput.compare("lease(\"k\") = \"1a\"").getLease()).isEqualTo(0x1a);
    assertThat(TxnInput.compare("c(\"k\") < \"3\"").getTarget()).isEqualTo(Compare.CompareTarget.CREATE);
  }

  @Test
  void malformedComparesSayWhatWasReadAsEtcdctlDoes() {
    assertThatThrownBy(() -> TxnInput.compare("mod(k) > \"0\""))
        .hasMessage("malformed comparison: mod(k) > \"0\"; got mod(\"\")  \"\"");
    assertThatThrownBy(() -> TxnInput.compare("mod(\"k\") >"))
        .hasMessage("malformed comparison: mod(\"k\") >; got mod(\"k\") > \"\"");
    assertThatThrownBy(() -> TxnInput.compare("size(\"k\") > \"1\""))
        .hasMessage("malformed comparison: size(\"k\") > \"1\" (unknown target size)");
    assertThatThrownBy(() -> TxnInput.compare("mod(\"k\") > \"x\""))
        .hasMessage("invalid txn compare request: mod(\"k\") > \"x\"");
    assertThatThrownBy(() -> TxnInput.compare("mod(\"k\") ~ \"1\""))
        .isInstanceOf(CtlException.class)
        .matches(e -> ((CtlException) e).exitCode() == ExitCodes.INVALID_INPUT);
  }

  @Test
  void requestLinesAreParsedByTheCommandsThemselves() throws CtlException {
    RequestOp put = TxnInput.request("put \"k 1\" 'v 2' --prev-kv");
    assertThat(put.getRequestPut().getKey().toStringUtf8()).isEqualTo("k 1");
    assertThat(put.getRequestPut().getValue().toStringUtf8()).isEqualTo("v 2");
    assertThat(put.getRequestPut().getPrevKv()).isTrue();
    assertThat(TxnInput.request("get a --prefix").getRequestRange().getRangeEnd().toStringUtf8()).isEqualTo("b");
    assertThat(TxnInput.request("del a c").getRequestDeleteRange().getRangeEnd().toStringUtf8()).isEqualTo("c");
    assertThatThrownBy(() -> TxnInput.request("fetch a")).hasMessage("invalid txn request: fetch a");
    assertThatThrownBy(() -> TxnInput.request("get a -w json")).hasMessage("invalid txn request: get a -w json");
  }

  @Test
  void inputThatEndsEarlyIsEof() {
    TxnInput input = new TxnInput(new java.io.ByteArrayInputStream("mod(\"k\") > \"0\"".getBytes()));

    assertThatThrownBy(input::compares).hasMessage("EOF");
  }
}
