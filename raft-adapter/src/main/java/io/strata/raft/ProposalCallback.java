package io.strata.raft;

import io.strata.api.peerpb.ApplyResult;

/** Receives the result of a proposal: the apply result, or why it was not applied. */
public interface ProposalCallback {
  void applied(ApplyResult result);

  /** The entry was not committed here (not leader any more, node stopping, ...). */
  void failed(RaftUnavailableException reason);
}
