package io.strata.server;

import io.strata.api.etcdserverpb.Member;
import io.strata.api.peerpb.MemberVersionRequest;
import io.strata.api.peerpb.MemberVersionResponse;
import io.strata.api.raftpb.ClusterVersionSet;
import io.strata.api.raftpb.DowngradeInfoSet;
import io.strata.api.records.DowngradeRecord;
import io.strata.api.raftpb.Entry;
import io.strata.api.version.Version;
import io.strata.raft.PeerTransport;
import io.strata.raft.RaftNode;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader: asks every member which version it runs, lets {@link ClusterVersionPolicy}
 * decide, and proposes the decision through Raft: a new cluster version, or the end of a
 * downgrade once every member runs its target. Members answer with their (emulated) version over
 * the peer port.
 *
 * <p>Threading: runs on the timer; one round at a time.
 */
final class ClusterVersionMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterVersionMonitor.class);
  static final long PERIOD_MS = 1000;

  private final RaftNode raft;
  private final PeerTransport transport;
  private final Backend backend;
  private final ClusterVersions versions;
  private final Proposer proposer;
  private final Version own;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean roundInFlight = new AtomicBoolean();
  private volatile boolean closed;

  ClusterVersionMonitor(RaftNode raft, PeerTransport transport, Backend backend, ClusterVersions versions,
      Proposer proposer, Version own, ScheduledExecutorService timer) {
    this.raft = raft;
    this.transport = transport;
    this.backend = backend;
    this.versions = versions;
    this.proposer = proposer;
    this.own = own;
    this.timer = timer;
  }

  /** Registers the peer RPC that answers this member's version; call before Raft starts. */
  void serve() {
    transport.handle(MemberVersionRequest.getDefaultInstance(), MemberVersionResponse.getDefaultInstance(),
        (request, reply) -> reply.complete(MemberVersionResponse.newBuilder().setServerVersion(own.toString()).build()));
  }

  void start() {
    timer.scheduleWithFixedDelay(this::round, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  private void round() {
    if (closed || !raft.isLeader() || !roundInFlight.compareAndSet(false, true)) {
      return;
    }
    List<CompletableFuture<Optional<Version>>> answers = new ArrayList<>();
    try (ReadView view = backend.readView()) {
      for (Member member : view.members()) {
        String peer = InitialCluster.peerAddress(member.getPeerURLs(0));
        answers.add(peer.equals(raft.self()) ? CompletableFuture.completedFuture(Optional.of(own)) : ask(peer));
      }
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenCompose(ignored -> {
      List<Optional<Version>> memberVersions = answers.stream().map(CompletableFuture::join).toList();
      DowngradeRecord downgrade = versions.downgrade();
      Optional<Version> decision = ClusterVersionPolicy.decide(versions.current(), memberVersions, downgrade);
      if (!raft.isLeader() || closed) {
        return CompletableFuture.completedFuture(null);
      }
      if (decision.isPresent()) {
        LOG.info("members run {}: proposing cluster version {}", memberVersions, decision.get());
        return proposer.proposeInternal(Entry.newBuilder().setClusterVersionSet(
            ClusterVersionSet.newBuilder().setVersion(decision.get().toString())));
      }
      if (ClusterVersionPolicy.downgradeFinished(memberVersions, downgrade)
          && versions.current().map(v -> v.toString().equals(downgrade.getTargetVersion())).orElse(false)) {
        LOG.info("every member runs {}: the cluster has been downgraded, ending the downgrade", downgrade.getTargetVersion());
        return proposer.proposeInternal(Entry.newBuilder().setDowngradeInfoSet(
            DowngradeInfoSet.newBuilder().setEnabled(false).setCompleted(true)));
      }
      return CompletableFuture.completedFuture(null);
    }).whenComplete((ignored, failure) -> roundInFlight.set(false));
  }

  private CompletableFuture<Optional<Version>> ask(String peer) {
    return transport.<MemberVersionResponse>call(peer, MemberVersionRequest.getDefaultInstance(), PERIOD_MS)
        .handle((response, failure) -> failure != null || response == null || response.getServerVersion().isEmpty()
            ? Optional.<Version>empty() : Optional.of(Version.parse(response.getServerVersion())));
  }

  @Override
  public void close() {
    closed = true;
  }
}
