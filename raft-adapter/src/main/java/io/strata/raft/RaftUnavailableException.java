package io.strata.raft;

/** Raft could not serve a proposal or read: no leader, not leader, stopped, or timed out. */
public final class RaftUnavailableException extends RuntimeException {
  public enum Reason { NO_LEADER, NOT_LEADER, STOPPED, TIMEOUT }

  private final Reason reason;

  public RaftUnavailableException(Reason reason, String detail) {
    super(reason + ": " + detail, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
