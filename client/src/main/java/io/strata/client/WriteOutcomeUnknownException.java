package io.strata.client;

/**
 * A write failed after it may have reached a member, and the client could not settle whether it
 * was applied: it may or may not have taken effect. {@link #getCause()} is the failure of the
 * attempt that left the outcome open (usually a {@code StatusRuntimeException} such as
 * "etcdserver: leader changed"); a refused retry, if one was tried, is a suppressed exception.
 *
 * <p>On a Strata 1.2 cluster a put, delete, txn, lease grant or revoke is retried with its request
 * id instead, so this is rare there (the request timeout ran out, or the cluster version fell below
 * 1.2). Read the data to find out, or make the write itself safe to repeat (a txn comparing a
 * revision).
 *
 * <p>Threading: immutable once thrown.
 */
public final class WriteOutcomeUnknownException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public WriteOutcomeUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
