package io.strata.client.internal;

/** What a unary call may change, which decides when it may be sent again (see {@link RetryPolicy}). */
public enum CallKind {
  /** Changes nothing (Range, a txn without writes, MemberList, Status, ...): always safe to repeat. */
  READ,
  /**
   * A write a Strata 1.2 cluster deduplicates by request id (Put, DeleteRange, a txn that can write,
   * LeaseGrant, LeaseRevoke): it carries a request id, and may be retried with the retry marker.
   */
  IDEMPOTENT_WRITE,
  /** Any other change (Compact, member and auth changes, ...): sent again only if it never left the client. */
  WRITE
}
