package io.strata.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.strata.api.etcdserverpb.DowngradeRequest;
import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.api.etcdserverpb.DowngradeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code stratactl downgrade validate|enable|cancel} over loopback gRPC to a {@link FakeMember}. */
class DowngradeCommandTest {

  private FakeMember member;

  @BeforeEach
  void start() throws IOException {
    member = new FakeMember(0xa1L);
    member.downgradeAnswer = DowngradeResponse.newBuilder().setVersion("1.2").build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    member.close();
  }

  @Test
  void validatePrintsEtcdctlsSuccessLineAndSendsTheTarget() {
    CtlRun run = CtlRun.of("downgrade", "validate", "1.1", "--endpoints", member.endpoint());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("Downgrade validate success, cluster version 1.2\n");
    assertThat(run.err()).isEmpty();
    assertThat(member.downgradeRequests)
        .containsExactly(request(DowngradeAction.VALIDATE, "1.1"));
  }

  @Test
  void validatePrintsThePlanTheServerSentInHeaders() {
    member.planHeaders =
        List.of(
            "step 1.2 -> 1.1: removed column family lease_keys (3 records)",
            "step 1.2 -> 1.1: removed meta key request_ids");

    CtlRun run = CtlRun.of("--endpoints", member.endpoint(), "downgrade", "validate", "1.1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .isEqualTo(
            """
            Downgrade validate success, cluster version 1.2
            step 1.2 -> 1.1: removed column family lease_keys (3 records)
            step 1.2 -> 1.1: removed meta key request_ids
            """);
  }

  @Test
  void validatePrintsThePlanTheServerSentInTrailers() {
    member.planTrailers = List.of("step 1.2 -> 1.1: removed column family lease_keys (0 records)");

    CtlRun run = CtlRun.of("--endpoints", member.endpoint(), "downgrade", "validate", "1.1");

    assertThat(run.out())
        .isEqualTo(
            """
            Downgrade validate success, cluster version 1.2
            step 1.2 -> 1.1: removed column family lease_keys (0 records)
            """);
  }

  @Test
  void enablePrintsEtcdctlsSuccessLineAndIgnoresAPlan() {
    member.planHeaders = List.of("step 1.2 -> 1.1: removed column family lease_keys (3 records)");

    CtlRun run = CtlRun.of("downgrade", "enable", "1.1", "--endpoints", member.endpoint());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("Downgrade enable success, cluster version 1.2\n");
    assertThat(member.downgradeRequests).containsExactly(request(DowngradeAction.ENABLE, "1.1"));
  }

  @Test
  void cancelPrintsEtcdctlsSuccessLineAndSendsNoVersion() {
    member.downgradeAnswer = DowngradeResponse.newBuilder().setVersion("1.1").build();

    CtlRun run = CtlRun.of("downgrade", "cancel", "--endpoints", member.endpoint());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("Downgrade cancel success, cluster version 1.1\n");
    assertThat(member.downgradeRequests).containsExactly(request(DowngradeAction.CANCEL, ""));
  }

  @ParameterizedTest(name = "{0} refused with {2} prints ''Error: {3}''")
  @CsvSource(
      delimiter = '|',
      value = {
        "validate | 1.0 | INVALID_ARGUMENT | etcdserver: invalid downgrade target version",
        "validate | 1 | INVALID_ARGUMENT | etcdserver: wrong downgrade target version format",
        "enable | 1.1 | FAILED_PRECONDITION | etcdserver: cluster has a downgrade job in progress",
        "enable | 1.1 | FAILED_PRECONDITION | etcdserver: cluster version not found during downgrade",
        "cancel | '' | FAILED_PRECONDITION | etcdserver: no inflight downgrade job",
        "enable | 1.1 | PERMISSION_DENIED | etcdserver: permission denied",
      })
  void aRefusalPrintsEtcdsMessageOnStderrAndExitsOne(
      String action, String target, Status.Code code, String message) {
    member.downgradeError = Status.fromCode(code).withDescription(message);

    CtlRun run =
        target.isEmpty()
            ? CtlRun.of("downgrade", action, "--endpoints", member.endpoint())
            : CtlRun.of("downgrade", action, target, "--endpoints", member.endpoint());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("Error: " + message + "\n");
  }

  @Test
  void aFailureThatIsNotEtcdsPrintsLikeGoGrpc() {
    member.downgradeError = Status.UNAVAILABLE.withDescription("leader changed");

    CtlRun run = CtlRun.of("downgrade", "enable", "1.1", "--endpoints", member.endpoint());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("Error: rpc error: code = Unavailable desc = leader changed\n");
  }

  @Test
  void anUnansweredCallFailsAfterTheCommandTimeout() {
    member.neverAnswer = true;

    CtlRun run =
        CtlRun.of("downgrade", "enable", "1.1", "--endpoints", member.endpoint(),
            "--command-timeout", "200ms");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo("Error: context deadline exceeded (no answer within --command-timeout 200ms)\n");
  }

  @ParameterizedTest(name = "validate {0} exits 128 with ''Error: {1}''")
  @CsvSource(
      delimiter = '|',
      value = {
        "'' | TARGET_VERSION not provided",
        "1.1,1.0 | too many arguments",
        "<empty> | target version not provided",
      })
  void aMissingOrExtraTargetExitsWithEtcdctlsBadArgsCode(String args, String message) {
    List<String> command = new java.util.ArrayList<>(List.of("downgrade", "validate"));
    if (args.equals("<empty>")) {
      command.add("");
    } else if (!args.isEmpty()) {
      command.addAll(List.of(args.split(",")));
    }
    command.addAll(List.of("--endpoints", member.endpoint()));

    CtlRun run = CtlRun.of(command.toArray(String[]::new));

    assertThat(run.exitCode()).isEqualTo(128);
    assertThat(run.err()).isEqualTo("Error: " + message + "\n");
    assertThat(member.downgradeRequests).isEmpty();
  }

  @Test
  void jsonPrintsTheResponseAsEtcdctlDoesWithUnsignedIds() {
    member.downgradeAnswer =
        DowngradeResponse.newBuilder()
            .setHeader(
                ResponseHeader.newBuilder()
                    .setClusterId(0xcdf818194e3a8c32L)
                    .setMemberId(0xa1L)
                    .setRevision(5)
                    .setRaftTerm(2))
            .setVersion("1.2")
            .build();

    CtlRun run =
        CtlRun.of("downgrade", "enable", "1.1", "-w", "json", "--endpoints", member.endpoint());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .isEqualTo(
            "{\"header\":{\"cluster_id\":14841639068965178418,\"member_id\":161,\"revision\":5,"
                + "\"raft_term\":2},\"version\":\"1.2\"}\n");
  }

  @Test
  void validateJsonCarriesThePlanAndLeavesOutZeroHeaderFields() {
    member.downgradeAnswer =
        DowngradeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setMemberId(0xa1L))
            .setVersion("1.2")
            .build();
    member.planHeaders = List.of("step 1.2 -> 1.1: removed column family lease_keys (3 records)");

    CtlRun run =
        CtlRun.of("--write-out=json", "--endpoints", member.endpoint(), "downgrade", "validate", "1.1");

    assertThat(run.out())
        .isEqualTo(
            "{\"header\":{\"member_id\":161},\"version\":\"1.2\",\"plan\":[\"step 1.2 -> 1.1:"
                + " removed column family lease_keys (3 records)\"]}\n");
  }

  @Test
  void tablePrintsTheSimpleLineAsEtcdctlDoes() {
    CtlRun run = CtlRun.of("-w", "table", "--endpoints", member.endpoint(), "downgrade", "cancel");

    assertThat(run.out()).isEqualTo("Downgrade cancel success, cluster version 1.2\n");
  }

  @Test
  void anUnreachableEndpointExitsOneNamingIt() throws IOException {
    int closedPort = closedPort();

    CtlRun run = CtlRun.of("downgrade", "validate", "1.1", "--endpoints", "127.0.0.1:" + closedPort);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo("Error: cannot connect to 127.0.0.1:" + closedPort + " (connection failed)\n");
  }

  @Test
  void theFirstReachableEndpointIsUsed() throws IOException {
    int closedPort = closedPort();

    CtlRun run =
        CtlRun.of("downgrade", "validate", "1.1",
            "--endpoints", "127.0.0.1:" + closedPort + "," + member.endpoint());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(member.downgradeRequests).hasSize(1);
  }

  @Test
  void userWithPasswordLogsInAndSendsTheToken() {
    member.acceptedLogin = "root:secret";

    CtlRun run =
        CtlRun.of("--user", "root:secret", "--endpoints", member.endpoint(), "downgrade", "enable",
            "1.1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(member.tokensSeen).containsExactly("Downgrade=token-of-root");
  }

  @Test
  void userWithoutPasswordIsAskedForIt() {
    member.acceptedLogin = "root:asked";

    CtlRun run =
        CtlRun.withPrompt(prompt -> Optional.of("asked"),
            "--user", "root", "--endpoints", member.endpoint(), "downgrade", "enable", "1.1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(member.tokensSeen).containsExactly("Downgrade=token-of-root");
  }

  @Test
  void aFailedLoginPrintsEtcdsMessage() {
    member.acceptedLogin = "root:secret";

    CtlRun run =
        CtlRun.of("--user", "root", "--password", "wrong", "--endpoints", member.endpoint(),
            "downgrade", "enable", "1.1");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo("Error: etcdserver: authentication failed, invalid user ID or password\n");
    assertThat(member.downgradeRequests).isEmpty();
  }

  @Test
  void aPasswordInBothUserAndPasswordIsRefused() {
    CtlRun run =
        CtlRun.of("--user", "root:a", "--password", "b", "--endpoints", member.endpoint(),
            "downgrade", "enable", "1.1");

    assertThat(run.exitCode()).isEqualTo(128);
    assertThat(run.err())
        .isEqualTo("Error: If --password is specified, --user must not contain a password\n");
  }

  @Test
  void anUnknownOutputFormatIsAnError() {
    CtlRun run = CtlRun.of("-w", "yaml", "downgrade", "cancel");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "Error: Invalid value for option '--write-out': unsupported output format 'yaml'"
                + " (use simple, json, table)\n");
  }

  private static DowngradeRequest request(DowngradeAction action, String version) {
    return DowngradeRequest.newBuilder().setAction(action).setVersion(version).build();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
