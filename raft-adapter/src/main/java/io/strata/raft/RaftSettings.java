package io.strata.raft;

import io.strata.raft.tls.TlsMaterial;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run this member's Raft node.
 *
 * @param dataDir           the member's data directory; Raft's files go under {@code raft/}
 * @param self              this member's peer address, host:port
 * @param initialPeers      the peer addresses of the initial voting members (used on first start)
 * @param electionTimeoutMs jraft's election timeout
 * @param snapshotCount     take a snapshot after this many applied entries (0 disables)
 * @param listenPort        the port the peer RPC server binds (on every interface); it differs
 *                          from {@code self}'s when peers reach this member through a proxy or a
 *                          port mapping ({@code --listen-peer-urls} vs the advertised peer URL)
 * @param peerTls           TLS of the peer port, both ways (serving and dialling); null for plaintext
 */
public record RaftSettings(
    Path dataDir,
    String self,
    List<String> initialPeers,
    int electionTimeoutMs,
    long snapshotCount,
    int listenPort,
    TlsMaterial peerTls) {

  /** Settings of a member whose peer port is plaintext. */
  public RaftSettings(Path dataDir, String self, List<String> initialPeers, int electionTimeoutMs,
      long snapshotCount, int listenPort) {
    this(dataDir, self, initialPeers, electionTimeoutMs, snapshotCount, listenPort, null);
  }

  /** Settings of a member that listens on the port it advertises. */
  public RaftSettings(Path dataDir, String self, List<String> initialPeers, int electionTimeoutMs,
      long snapshotCount) {
    this(dataDir, self, initialPeers, electionTimeoutMs, snapshotCount,
        Integer.parseInt(self.substring(self.lastIndexOf(':') + 1)));
  }
}
