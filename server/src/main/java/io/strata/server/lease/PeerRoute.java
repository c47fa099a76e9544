package io.strata.server.lease;

import com.google.protobuf.Message;
import io.strata.raft.RaftNode;
import java.util.concurrent.CompletableFuture;

/**
 * What lease routing needs from Raft and the peer port: who leads, who we are, and a call to
 * another member. Production uses {@link #of(RaftNode)}; tests connect lessors directly.
 *
 * <p>Threading: thread-safe; {@link #call} never blocks.
 */
public interface PeerRoute {
  /** The leader's peer address (host:port), or null when none is known. */
  String leader();

  /** This member's peer address. */
  String self();

  <R extends Message> CompletableFuture<R> call(String peer, Message request, long timeoutMs);

  static PeerRoute of(RaftNode raft) {
    return new PeerRoute() {
      @Override
      public String leader() {
        return raft.leader();
      }

      @Override
      public String self() {
        return raft.self();
      }

      @Override
      public <R extends Message> CompletableFuture<R> call(String peer, Message request, long timeoutMs) {
        return raft.transport().call(peer, request, timeoutMs);
      }
    };
  }
}
