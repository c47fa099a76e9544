package io.strata.client.internal;

/**
 * Decides what to do after one attempt of a unary call failed. The rules, in order:
 * <ol>
 *   <li>an invalid auth token: log in again and resend, once per call (the member refused the
 *       request before it took effect);</li>
 *   <li>a failure a member reports before the request took effect ({@link Failures.Kind#NOT_APPLIED}),
 *       or one of an attempt whose request message provably never left the client (no stream, or
 *       nothing written to it): resend to the next endpoint, whatever the call;</li>
 *   <li>an endpoint failure ({@link Failures.Kind#ENDPOINT_FAILED}) of a read: resend to the next
 *       endpoint;</li>
 *   <li>an endpoint failure of a write that was sent: its outcome is unknown. An
 *       {@link CallKind#IDEMPOTENT_WRITE} carrying a request id is resent with the retry marker,
 *       but only once a member has shown it checks the marker (response header
 *       {@code strata-request-retry-checked}); a member refuses a marked retry that the cluster
 *       cannot deduplicate, so it never applies twice. Any other write fails with "outcome
 *       unknown";</li>
 *   <li>a call that ended without a member's answer otherwise (deadline, cancelled, transport
 *       error) is not resent; a write that was sent fails with "outcome unknown";</li>
 *   <li>a refused marked retry fails the call with "outcome unknown" (the first attempt may have
 *       been applied);</li>
 *   <li>anything else is the answer.</li>
 * </ol>
 * A call whose earlier attempt may have reached a member reports "outcome unknown" rather than
 * the error of its last attempt whenever it gives up without an answer. Stateless.
 */
public final class RetryPolicy {
  /** What to do next. */
  public enum Decision {
    RESEND,
    REAUTHENTICATE_AND_RESEND,
    RESEND_MARKED_AS_RETRY,
    FAIL,
    FAIL_OUTCOME_UNKNOWN
  }

  private RetryPolicy() {}

  /**
   * @param kind what the call may change
   * @param failure the classified failure of the last attempt
   * @param sent whether the last attempt's request message may have left the client
   * @param hasRequestId whether the call carries a request id
   * @param retryChecked whether a member has shown it checks the retry marker
   * @param reauthenticated whether this call already logged in again once
   * @param mayHaveBeenApplied whether an earlier attempt of this call may have taken effect
   */
  public static Decision decide(CallKind kind, Failures.Kind failure, boolean sent, boolean hasRequestId,
      boolean retryChecked, boolean reauthenticated, boolean mayHaveBeenApplied) {
    Decision resend = mayHaveBeenApplied ? Decision.RESEND_MARKED_AS_RETRY : Decision.RESEND;
    switch (failure) {
      case INVALID_TOKEN:
        return reauthenticated ? giveUp(mayHaveBeenApplied) : Decision.REAUTHENTICATE_AND_RESEND;
      case NOT_APPLIED:
        return resend;
      case RETRY_REFUSED:
        return Decision.FAIL_OUTCOME_UNKNOWN;
      case ENDPOINT_FAILED:
        if (kind == CallKind.READ || !sent) {
          return resend;
        }
        if (kind == CallKind.IDEMPOTENT_WRITE && hasRequestId && retryChecked) {
          return Decision.RESEND_MARKED_AS_RETRY;
        }
        return Decision.FAIL_OUTCOME_UNKNOWN;
      case UNANSWERED:
        return kind != CallKind.READ && sent ? Decision.FAIL_OUTCOME_UNKNOWN : giveUp(mayHaveBeenApplied);
      case FINAL:
      default:
        return giveUp(mayHaveBeenApplied);
    }
  }

  private static Decision giveUp(boolean mayHaveBeenApplied) {
    return mayHaveBeenApplied ? Decision.FAIL_OUTCOME_UNKNOWN : Decision.FAIL;
  }
}
