package io.strata.server;

import io.strata.api.etcdserverpb.Member;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the round trip to every other member over the peer port, as etcd's prober does for
 * {@code etcd_network_peer_round_trip_time_seconds{To="<member id in hex>"}}: every
 * {@link #PERIOD_MS}, this member sends each other member (voters and learners) one small peer RPC
 * (the version request every version answers) and records the time from sending it to its answer
 * arriving here, over the same gRPC connection that carries Raft's messages: both networks ways, the
 * peer's transport and its (non-blocking) handler. A probe that fails or gets no answer within the
 * period records nothing, as etcd's prober measures only answers; a member still being probed is
 * not probed again.
 *
 * <p>Threading: rounds run on the timer, one at a time; answers arrive on transport threads.
 */
final class PeerProber implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerProber.class);
  /** etcd probes every 4 s (its peer read timeout less a second). */
  static final long PERIOD_MS = 4000;

  /** Sends one probe to the member at a peer address (host:port); completes with its answer. */
  interface Probe {
    CompletableFuture<?> send(String peerAddress, long timeoutMs);
  }

  /** Where round trips go: the member's id in hex and the nanoseconds until its answer. */
  interface RoundTrips {
    void record(String memberIdHex, long nanos);
  }

  private final long selfId;
  private final Supplier<List<Member>> members;
  private final Probe probe;
  private final RoundTrips roundTrips;
  private final LongSupplier nanoClock;
  private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  PeerProber(long selfId, Supplier<List<Member>> members, Probe probe, RoundTrips roundTrips, LongSupplier nanoClock) {
    this.selfId = selfId;
    this.members = members;
    this.probe = probe;
    this.roundTrips = roundTrips;
    this.nanoClock = nanoClock;
  }

  void start(ScheduledExecutorService timer) {
    timer.scheduleWithFixedDelay(this::round, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  /** Probes every other member that has no probe in flight. */
  void round() {
    if (closed) {
      return;
    }
    try {
      for (Member member : members.get()) {
        if (member.getID() != selfId && member.getPeerURLsCount() > 0 && inFlight.add(member.getID())) {
          send(member.getID(), InitialCluster.peerAddress(member.getPeerURLs(0)));
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("probing the other members failed", e);
    }
  }

  private void send(long memberId, String peerAddress) {
    long sent = nanoClock.getAsLong();
    CompletableFuture<?> answer;
    try {
      answer = probe.send(peerAddress, PERIOD_MS);
    } catch (RuntimeException e) {
      inFlight.remove(memberId);
      throw e;
    }
    answer.whenComplete((response, failure) -> {
      long nanos = nanoClock.getAsLong() - sent;
      inFlight.remove(memberId);
      if (failure == null && !closed) {
        roundTrips.record(Long.toHexString(memberId), nanos);
      }
    });
  }

  @Override
  public void close() {
    closed = true;
  }
}
