package io.strata.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Shared steps of the tests that run a real jraft node. */
final class RaftTesting {
  private RaftTesting() {}

  /** A free loopback peer address. */
  static String freePeerAddress() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return "127.0.0.1:" + socket.getLocalPort();
    }
  }

  /** Proposes on the leader and waits (bounded) until the entry is applied. */
  static ApplyResult proposeAndWait(RaftNode node, Entry entry) throws Exception {
    CompletableFuture<ApplyResult> done = new CompletableFuture<>();
    boolean accepted = node.propose(entry, new ProposalCallback() {
      @Override
      public void applied(ApplyResult result) {
        done.complete(result);
      }

      @Override
      public void failed(RaftUnavailableException reason) {
        done.completeExceptionally(reason);
      }
    });
    assertThat(accepted).as("the leader accepts the proposal").isTrue();
    return done.get(10, TimeUnit.SECONDS);
  }
}
