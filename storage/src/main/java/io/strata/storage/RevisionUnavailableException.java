package io.strata.storage;

/** A read asked for a revision the store cannot serve: compacted away, or not yet written. */
public final class RevisionUnavailableException extends RuntimeException {
  public enum Reason { COMPACTED, FUTURE }

  private final Reason reason;

  public RevisionUnavailableException(Reason reason, long requested, long bound) {
    super(reason == Reason.COMPACTED
        ? "revision " + requested + " is compacted (compact revision " + bound + ")"
        : "revision " + requested + " is in the future (current revision " + bound + ")",
        null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
