package io.strata.client.internal;

import io.grpc.Status;
import java.util.Set;

/**
 * What a failed call means for a retry. etcd's errors travel as a status whose description is
 * etcd's message ({@code etcdserver: no leader}); clients recognise them by that text, as etcd's
 * own clients do. Stateless.
 */
public final class Failures {
  /** A member refused the request before it could take effect: any request may be sent again. */
  private static final Set<String> NOT_APPLIED = Set.of(
      "etcdserver: no leader",
      "etcdserver: not leader",
      "etcdserver: rpc not supported for learner",
      "etcdserver: too many requests");
  static final String INVALID_TOKEN = "etcdserver: invalid auth token";
  static final String RETRY_REFUSED_PREFIX = "strata: retried write refused";

  /** How a failure bears on sending the request again. */
  public enum Kind {
    /** Refused before it took effect (no leader, learner, throttled): safe to send again, elsewhere. */
    NOT_APPLIED,
    /** The auth token was not accepted: log in again, then send again (nothing was applied). */
    INVALID_TOKEN,
    /**
     * The member or the connection failed (UNAVAILABLE: leader changed, request timed out, server
     * stopped, connection reset): the request may or may not have taken effect. Try another member.
     */
    ENDPOINT_FAILED,
    /**
     * The call ended without a member's answer for another reason (deadline, cancelled, a
     * transport error): a request that was sent may or may not have taken effect.
     */
    UNANSWERED,
    /** A marked retry the cluster cannot deduplicate was refused (see the retry contract). */
    RETRY_REFUSED,
    /** Anything else: the answer to the request (bad request, permission, compacted, ...). */
    FINAL
  }

  private Failures() {}

  public static Kind classify(Status status) {
    String description = status.getDescription() == null ? "" : status.getDescription();
    if (NOT_APPLIED.contains(description)) {
      return Kind.NOT_APPLIED;
    }
    if (description.equals(INVALID_TOKEN)) {
      return Kind.INVALID_TOKEN;
    }
    if (status.getCode() == Status.Code.FAILED_PRECONDITION && description.startsWith(RETRY_REFUSED_PREFIX)) {
      return Kind.RETRY_REFUSED;
    }
    return switch (status.getCode()) {
      case UNAVAILABLE -> Kind.ENDPOINT_FAILED;
      case DEADLINE_EXCEEDED, CANCELLED, INTERNAL, UNKNOWN -> Kind.UNANSWERED;
      default -> Kind.FINAL;
    };
  }
}
