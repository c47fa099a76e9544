package io.strata.client.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Locale;

/**
 * Turns a failed call into the message etcdctl would print after {@code Error: }. Stateless.
 *
 * <p>etcd's own errors travel as a gRPC status whose description starts with {@code
 * etcdserver: } (or {@code mvcc: }, {@code auth: }); etcdctl prints that description alone, e.g.
 * {@code etcdserver: invalid downgrade target version}. Any other status prints the way Go's
 * gRPC prints it: {@code rpc error: code = Unavailable desc = io exception}. A call that outlives
 * {@code --command-timeout} prints {@code context deadline exceeded}, as etcdctl does, and says
 * which timeout it was and, if the client library retried it, the last refusal (e.g. {@code
 * etcdserver: no leader}).
 */
final class RpcErrors {

  private RpcErrors() {}

  static String message(StatusRuntimeException e, Duration commandTimeout) {
    Status status = e.getStatus();
    String description = status.getDescription() == null ? "" : status.getDescription();
    if (isEtcdError(description)) {
      return description;
    }
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      String last =
          e.getCause() instanceof StatusRuntimeException refused
              ? "; last refusal: " + message(refused, commandTimeout)
              : "";
      return "context deadline exceeded (no answer within --command-timeout "
          + DurationFormat.of(commandTimeout)
          + last
          + ")";
    }
    return "rpc error: code = " + goCodeName(status.getCode()) + " desc = " + description;
  }

  private static boolean isEtcdError(String description) {
    return description.startsWith("etcdserver: ")
        || description.startsWith("mvcc: ")
        || description.startsWith("auth: ");
  }

  /** {@code FAILED_PRECONDITION} becomes {@code FailedPrecondition}, as Go's codes.Code prints. */
  static String goCodeName(Status.Code code) {
    StringBuilder name = new StringBuilder();
    for (String word : code.name().split("_")) {
      name.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return name.toString();
  }
}
