package io.strata.client.internal;

import static io.strata.client.internal.RetryPolicy.Decision.FAIL;
import static io.strata.client.internal.RetryPolicy.Decision.FAIL_OUTCOME_UNKNOWN;
import static io.strata.client.internal.RetryPolicy.Decision.REAUTHENTICATE_AND_RESEND;
import static io.strata.client.internal.RetryPolicy.Decision.RESEND;
import static io.strata.client.internal.RetryPolicy.Decision.RESEND_MARKED_AS_RETRY;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryPolicyTest {

  @Test
  void failures_are_classified_by_etcds_code_and_message() {
    assertThat(Failures.classify(Status.UNAVAILABLE.withDescription("etcdserver: no leader"))).isEqualTo(Failures.Kind.NOT_APPLIED);
    assertThat(Failures.classify(Status.UNAVAILABLE.withDescription("etcdserver: rpc not supported for learner")))
        .isEqualTo(Failures.Kind.NOT_APPLIED);
    assertThat(Failures.classify(Status.UNAVAILABLE.withDescription("etcdserver: leader changed"))).isEqualTo(Failures.Kind.ENDPOINT_FAILED);
    assertThat(Failures.classify(Status.UNAVAILABLE.withDescription("etcdserver: request timed out"))).isEqualTo(Failures.Kind.ENDPOINT_FAILED);
    assertThat(Failures.classify(Status.UNAVAILABLE.withDescription("io exception"))).isEqualTo(Failures.Kind.ENDPOINT_FAILED);
    assertThat(Failures.classify(Status.UNAUTHENTICATED.withDescription("etcdserver: invalid auth token"))).isEqualTo(Failures.Kind.INVALID_TOKEN);
    assertThat(Failures.classify(Status.FAILED_PRECONDITION.withDescription(
        "strata: retried write refused: the cluster does not deduplicate it"))).isEqualTo(Failures.Kind.RETRY_REFUSED);
    assertThat(Failures.classify(Status.DEADLINE_EXCEEDED)).isEqualTo(Failures.Kind.UNANSWERED);
    assertThat(Failures.classify(Status.CANCELLED)).isEqualTo(Failures.Kind.UNANSWERED);
    assertThat(Failures.classify(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided"))).isEqualTo(Failures.Kind.FINAL);
    assertThat(Failures.classify(Status.FAILED_PRECONDITION.withDescription("etcdserver: not capable"))).isEqualTo(Failures.Kind.FINAL);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // kind, failure, sent, has id, retry checked, reauthenticated, may have been applied -> decision
        Arguments.of("a read is resent after a member failure", CallKind.READ, Failures.Kind.ENDPOINT_FAILED, true, false, false, false, false, RESEND),
        Arguments.of("a read is not resent after a final answer", CallKind.READ, Failures.Kind.FINAL, true, false, false, false, false, FAIL),
        Arguments.of("any write is resent when it never left the client", CallKind.WRITE, Failures.Kind.ENDPOINT_FAILED, false, false, false, false, false, RESEND),
        Arguments.of("any write is resent after no leader", CallKind.WRITE, Failures.Kind.NOT_APPLIED, true, false, false, false, false, RESEND),
        Arguments.of("a sent write without request ids has an unknown outcome", CallKind.WRITE, Failures.Kind.ENDPOINT_FAILED, true, false, true, false, false, FAIL_OUTCOME_UNKNOWN),
        Arguments.of("an idempotent write is retried marked once the marker is known checked", CallKind.IDEMPOTENT_WRITE, Failures.Kind.ENDPOINT_FAILED, true, true, true, false, false, RESEND_MARKED_AS_RETRY),
        Arguments.of("an idempotent write is not retried before the marker is known checked", CallKind.IDEMPOTENT_WRITE, Failures.Kind.ENDPOINT_FAILED, true, true, false, false, false, FAIL_OUTCOME_UNKNOWN),
        Arguments.of("an idempotent write without id is not retried", CallKind.IDEMPOTENT_WRITE, Failures.Kind.ENDPOINT_FAILED, true, false, true, false, false, FAIL_OUTCOME_UNKNOWN),
        Arguments.of("after an unknown outcome, even a never-sent resend is marked", CallKind.IDEMPOTENT_WRITE, Failures.Kind.ENDPOINT_FAILED, false, true, true, false, true, RESEND_MARKED_AS_RETRY),
        Arguments.of("after an unknown outcome, no leader resends marked", CallKind.IDEMPOTENT_WRITE, Failures.Kind.NOT_APPLIED, true, true, true, false, true, RESEND_MARKED_AS_RETRY),
        Arguments.of("a refused marked retry leaves the outcome unknown", CallKind.IDEMPOTENT_WRITE, Failures.Kind.RETRY_REFUSED, true, true, true, false, true, FAIL_OUTCOME_UNKNOWN),
        Arguments.of("a final answer after an unknown outcome does not settle it", CallKind.IDEMPOTENT_WRITE, Failures.Kind.FINAL, true, true, true, false, true, FAIL_OUTCOME_UNKNOWN),
        Arguments.of("a sent write past its deadline has an unknown outcome", CallKind.WRITE, Failures.Kind.UNANSWERED, true, false, false, false, false, FAIL_OUTCOME_UNKNOWN),
        Arguments.of("a read past its deadline fails", CallKind.READ, Failures.Kind.UNANSWERED, true, false, false, false, false, FAIL),
        Arguments.of("an invalid token logs in again once", CallKind.WRITE, Failures.Kind.INVALID_TOKEN, true, false, false, false, false, REAUTHENTICATE_AND_RESEND),
        Arguments.of("an invalid token after logging in again fails", CallKind.WRITE, Failures.Kind.INVALID_TOKEN, true, false, false, true, false, FAIL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(String name, CallKind kind, Failures.Kind failure, boolean sent, boolean hasRequestId, boolean retryChecked,
      boolean reauthenticated, boolean mayHaveBeenApplied, RetryPolicy.Decision expected) {
    assertThat(RetryPolicy.decide(kind, failure, sent, hasRequestId, retryChecked, reauthenticated, mayHaveBeenApplied))
        .isEqualTo(expected);
  }
}
