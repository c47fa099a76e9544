package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.mvccpb.KeyValue;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code stratactl get} against a {@link FakeMember}: requests built and answers printed as etcdctl's. */
class GetCommandTest {

  private static final byte[] BINARY_KEY = {(byte) 0xff, 0x00, 'k', (byte) 0x80};
  private static final byte[] BINARY_VALUE = {0x01, (byte) 0xfe, '\n'};

  private FakeMember member;

  @BeforeEach
  void start() throws IOException {
    member = new FakeMember(0xa1L);
  }

  @AfterEach
  void stop() throws InterruptedException {
    member.close();
  }

  private CtlRun get(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "--endpoints";
    all[1] = member.endpoint();
    all[2] = "get";
    System.arraycopy(args, 0, all, 3, args.length);
    return CtlRun.of(all);
  }

  private void answerBinaryKey() {
    member.rangeAnswer =
        RangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setClusterId(-1L).setMemberId(0xa1).setRevision(7).setRaftTerm(2))
            .addKvs(
                KeyValue.newBuilder()
                    .setKey(ByteString.copyFrom(BINARY_KEY))
                    .setValue(ByteString.copyFrom(BINARY_VALUE))
                    .setCreateRevision(3)
                    .setModRevision(7)
                    .setVersion(2))
            .setCount(1)
            .build();
  }

  @Test
  void simplePrintsBinaryKeysAndValuesAsTheirRawBytes() {
    answerBinaryKey();

    CtlRun run = get("k");

    assertThat(run.exitCode()).as(run.err()).isZero();
    byte[] expected = {(byte) 0xff, 0x00, 'k', (byte) 0x80, '\n', 0x01, (byte) 0xfe, '\n', '\n'};
    assertThat(run.outBytes()).isEqualTo(expected);
  }

  @Test
  void hexPrintsEachByteEscaped() {
    answerBinaryKey();

    CtlRun run = get("k", "--hex");

    assertThat(run.out()).isEqualTo("\\xff\\x00\\x6b\\x80\n\\x01\\xfe\\x0a\n");
  }

  @Test
  void jsonHasUnsignedIdsAndBase64BytesAndLeavesZerosOut() {
    answerBinaryKey();

    CtlRun run = get("k", "-w", "json");

    assertThat(run.out())
        .isEqualTo(
            "{\"header\":{\"cluster_id\":18446744073709551615,\"member_id\":161,\"revision\":7,"
                + "\"raft_term\":2},\"kvs\":[{\"key\":\"/wBrgA==\",\"create_revision\":3,"
                + "\"mod_revision\":7,\"version\":2,\"value\":\"Af4K\"}],\"count\":1}\n");
  }

  @Test
  void anEmptyResultPrintsNothingInSimpleAndTheHeaderInJson() {
    member.rangeAnswer =
        RangeResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(4)).build();

    assertThat(get("nothing").out()).isEmpty();
    assertThat(get("nothing", "-w", "json").out()).isEqualTo("{\"header\":{\"revision\":4}}\n");
  }

  @Test
  void tableIsRefusedAfterTheReadAsEtcdctlDoes() {
    CtlRun run = get("k", "-w", "table");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_FEATURE);
    assertThat(run.err()).isEqualTo("Error: table not supported as output format\n");
    assertThat(member.rangeRequests).hasSize(1);
  }

  @Test
  void prefixEndsAfterTheLastByteBelow0xff() {
    get("a\u00ff", "--prefix");
    get("", "--prefix", "--sort-by=VALUE", "--order=descend", "--limit=3", "--rev=9");

    RangeRequest prefix = member.rangeRequests.get(0);
    assertThat(prefix.getKey().toStringUtf8()).isEqualTo("a\u00ff");
    // "a\u00ff" is 61 c3 bf in UTF-8: the end increments the last byte below 0xff.
    assertThat(prefix.getRangeEnd().toByteArray()).containsExactly(0x61, 0xc3, 0xc0);
    RangeRequest everything = member.rangeRequests.get(1);
    assertThat(everything.getKey().toByteArray()).containsExactly(0);
    assertThat(everything.getRangeEnd().toByteArray()).containsExactly(0);
    assertThat(everything.getSortTarget()).isEqualTo(RangeRequest.SortTarget.VALUE);
    assertThat(everything.getSortOrder()).isEqualTo(RangeRequest.SortOrder.DESCEND);
    assertThat(everything.getLimit()).isEqualTo(3);
    assertThat(everything.getRevision()).isEqualTo(9);
  }

  @Test
  void badArgumentsFailBeforeAnyCallWithEtcdctlsMessagesAndCodes() {
    assertThat(get().summary())
        .isEqualTo(failure(128, "get command needs one argument as key and an optional argument as range_end"));
    assertThat(get("k", "--prefix", "--from-key").summary())
        .isEqualTo(failure(128, "`--prefix` and `--from-key` cannot be set at the same time, choose one"));
    assertThat(get("k", "--order=sideways").summary()).isEqualTo(failure(4, "bad sort order sideways"));
    assertThat(get("k", "--consistency=x").summary()).isEqualTo(failure(4, "unknown consistency flag \"x\""));
    assertThat(member.rangeRequests).isEmpty();
  }

  @Test
  void aRefusalPrintsEtcdsMessage() {
    member.rangeError =
        Status.OUT_OF_RANGE.withDescription("etcdserver: mvcc: required revision has been compacted");

    CtlRun run = get("k", "--rev=1");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("Error: etcdserver: mvcc: required revision has been compacted\n");
  }

  @Test
  void aRefusalThatTookNoEffectIsRetriedUntilTheCommandTimeoutAndThenNamed() {
    member.rangeError = Status.UNAVAILABLE.withDescription("etcdserver: no leader");

    CtlRun run = get("k", "--command-timeout=1500ms");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "Error: context deadline exceeded (no answer within --command-timeout 1500ms;"
                + " last refusal: etcdserver: no leader)\n");
    assertThat(member.rangeRequests).as("sent again after the endpoint's pause").hasSizeGreaterThan(1);
  }

  private static String failure(int code, String message) {
    return "exit " + code + "\nstdout:\nstderr:Error: " + message + "\n";
  }
}
