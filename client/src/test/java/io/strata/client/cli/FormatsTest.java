package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.HashKVResponse;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.api.etcdserverpb.TxnResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Go-flavoured formatting stratactl needs to print etcdctl's bytes: sizes, durations, json, tables. */
class FormatsTest {

  @ParameterizedTest(name = "{0} bytes print as \"{1}\"")
  @CsvSource({
    "0, 0 B", "9, 9 B", "10, 10 B", "999, 999 B", "1000, 1.0 kB", "20480, 20 kB", "24576, 25 kB",
    "1500000, 1.5 MB", "9949999, 9.9 MB", "9950000, 10 MB", "1073741824, 1.1 GB"
  })
  void byteSizesAsGoHumanizePrintsThem(long size, String expected) {
    assertThat(GoFormat.bytes(size)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} ns print as \"{1}\"")
  @CsvSource({
    "0, 0s", "999, 999ns", "850000, 850µs", "1500, 1.5µs", "2659318, 2.659318ms",
    "5001310847, 5.001310847s", "60000000000, 1m0s", "3723500000000, 1h2m3.5s"
  })
  void durationsAsGoPrintsThem(long nanos, String expected) {
    assertThat(GoFormat.duration(Duration.ofNanos(nanos))).isEqualTo(expected);
  }

  @Test
  void idsAndGoParseErrors() {
    assertThat(GoFormat.hex16(0x1234)).isEqualTo("0000000000001234");
    assertThat(GoFormat.paddedHex(0x6f8f2600d6cb3c7L)).isEqualTo(" 6f8f2600d6cb3c7");
    assertThat(GoFormat.hex(-1L)).isEqualTo("ffffffffffffffff");
    assertThatThrownBy(() -> GoFormat.parseInt("zz", 16))
        .hasMessage("strconv.ParseInt: parsing \"zz\": invalid syntax");
    assertThatThrownBy(() -> GoFormat.parseInt("99999999999999999999", 10))
        .hasMessage("strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
    assertThatThrownBy(() -> GoFormat.parseUint("-1", 16))
        .hasMessage("strconv.ParseUint: parsing \"-1\": invalid syntax");
  }

  @Test
  void jsonNamesAOneofByItsGoNamesAndLeavesOutWhatEtcd34DoesNotHave() {
    TxnResponse txn =
        TxnResponse.newBuilder()
            .setSucceeded(true)
            .addResponses(
                ResponseOp.newBuilder()
                    .setResponsePut(
                        PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(5))))
            .build();
    assertThat(Json.writeGo(GoJson.of(txn)))
        .isEqualTo(
            "{\"succeeded\":true,\"responses\":[{\"Response\":{\"ResponsePut\":{\"header\":{\"revision\":5}}}}]}");

    StatusResponse status =
        StatusResponse.newBuilder()
            .setVersion("1.2.0")
            .setStorageVersion("1.2.0")
            .setDowngradeState("none")
            .setDbSize(1)
            .build();
    assertThat(Json.writeGo(GoJson.of(status))).isEqualTo("{\"version\":\"1.2.0\",\"dbSize\":1}");
    assertThat(Json.writeGo(GoJson.of(HashKVResponse.newBuilder().setHash(-1).setCompactRevision(-1).setHashRevision(3).build())))
        .isEqualTo("{\"hash\":4294967295,\"compact_revision\":-1}");
  }

  @Test
  void jsonEscapesHtmlCharactersAsGoDoes() {
    assertThat(Json.writeGo(List.of("<a&b>"))).isEqualTo("[\"\\u003ca\\u0026b\\u003e\"]");
    assertThat(GoJson.base64(ByteString.copyFromUtf8("foo2"))).isEqualTo("Zm9vMg==");
  }

  @Test
  void tableCellsAlignRightAndLongCellsWrapAtSpaces() {
    Table table = new Table(List.of("ENDPOINT", "HEALTH", "ERROR"));
    table.addRow(List.of("127.0.0.1:2379", "true", ""));
    table.addRow(
        List.of("127.0.0.1:1", "false", "failed to dial endpoint 127.0.0.1:1 with maintenance client"));

    assertThat(table.bordered())
        .isEqualTo(
            """
            +----------------+--------+------------------------------+
            |    ENDPOINT    | HEALTH |            ERROR             |
            +----------------+--------+------------------------------+
            | 127.0.0.1:2379 |   true |                              |
            |    127.0.0.1:1 |  false |      failed to dial endpoint |
            |                |        | 127.0.0.1:1 with maintenance |
            |                |        |                       client |
            +----------------+--------+------------------------------+
            """);
  }
}
