package io.strata.server;

import io.grpc.StatusRuntimeException;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.peerpb.ForwardRequest;
import io.strata.api.peerpb.ForwardResponse;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.EntryHeader;
import io.strata.raft.PeerTransport;
import io.strata.raft.ProposalCallback;
import io.strata.raft.RaftNode;
import io.strata.raft.RaftUnavailableException;
import io.strata.server.auth.AuthInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Gets a write into the replicated log from any member: proposed directly on the leader,
 * forwarded to the leader over the peer port from a follower.
 *
 * <p>A write is sent again only when it certainly was not appended (no leader yet, or the member
 * asked refused it as a non-leader), so a retry never applies a write twice. Once a leader has
 * accepted it, a failure is reported to the client (etcd's "leader changed" / "request timed
 * out"): the write may or may not have been applied.
 *
 * <p>Threading: thread-safe and non-blocking; futures complete on Raft or transport threads.
 */
public final class Proposer {
  private static final long RETRY_DELAY_MS = 50;
  private static final StatusRuntimeException MALFORMED_FORWARD = EtcdErrors.error(io.grpc.Status.Code.INVALID_ARGUMENT,
      "etcdserver: malformed forwarded entry");
  private static final StatusRuntimeException FORWARD_WITHOUT_COMMAND = EtcdErrors.error(io.grpc.Status.Code.INVALID_ARGUMENT,
      "etcdserver: forwarded entry carries no command this version knows");

  private final RaftNode raft;
  private final PeerTransport transport;
  private final ScheduledExecutorService timer;
  private final long requestTimeoutMs;
  private final long maxRequestBytes;
  private final AtomicLong nextId;
  private volatile LeaderCheck leaderCheck = entry -> null;
  private final AppliedIndexWaiter appliedIndex;
  private volatile LongSupplier authRevisionSource = () -> 1;
  private volatile Supplier<StrataVersion> capabilities = () -> StrataVersion.V1_0;

  /** A check only the leader can make before it accepts an entry (it knows which peers are alive). */
  public interface LeaderCheck {
    /** Null to accept {@code entry}, else the error to answer with. */
    StatusRuntimeException refuse(Entry entry);
  }

  Proposer(RaftNode raft, PeerTransport transport, ScheduledExecutorService timer, long requestTimeoutMs,
      long maxRequestBytes, long memberId, AppliedIndexWaiter appliedIndex) {
    this.appliedIndex = appliedIndex;
    this.raft = raft;
    this.transport = transport;
    this.timer = timer;
    this.requestTimeoutMs = requestTimeoutMs;
    this.maxRequestBytes = maxRequestBytes;
    // Ids are unique per member: the low bits of the member id, then a counter.
    this.nextId = new AtomicLong((memberId & 0xFFFFL) << 48);
  }

  /** Where the current auth revision comes from, for entries of callers without a token. */
  public void setAuthRevisionSource(LongSupplier source) {
    this.authRevisionSource = source;
  }

  /**
   * What the applied cluster version allows; a client's request id is attached to its write only
   * when it has idempotent writes (until set: never).
   */
  void setCapabilities(Supplier<StrataVersion> capabilities) {
    this.capabilities = capabilities;
  }

  void setLeaderCheck(LeaderCheck check) {
    this.leaderCheck = check;
  }

  /** Proposes on this member if it leads and the leader check passes; false when it does not lead. */
  private boolean proposeAsLeader(Entry entry, CompletableFuture<ApplyResult> result) {
    if (!raft.isLeader()) {
      return false;
    }
    if (entry.getHeader().getRequestId() != 0 && !capabilities.get().supportsIdempotentWrites()) {
      if (entry.getHeader().getRetry()) {
        // Without the request id the retry could apply twice (apply would refuse it too).
        result.complete(error(IdempotentWrites.RETRY_NOT_DEDUPLICATED));
        return true;
      }
      // A follower attached it before it applied a cluster version without idempotent writes.
      entry = entry.toBuilder().setHeader(entry.getHeader().toBuilder().clearRequestId()).build();
    }
    StatusRuntimeException refused = leaderCheck.refuse(entry);
    if (refused != null) {
      result.complete(error(refused));
      return true;
    }
    return raft.propose(entry, completeWith(result));
  }

  /**
   * Replicates a client's {@code command} on behalf of the caller of the current gRPC request and
   * completes with its apply result (which may be an error value). The caller's request id
   * ({@link RequestIds}) goes with a write that {@link IdempotentWrites#covers covers}, while the
   * cluster version has idempotent writes. A retry ({@link RequestIds#isRetry}) that cannot be
   * deduplicated that way is refused with {@link IdempotentWrites#RETRY_NOT_DEDUPLICATED}; one that
   * can is marked {@code retry}, so that the leader and apply refuse it should the cluster version
   * fall below 1.2 before it is applied.
   */
  public CompletableFuture<ApplyResult> propose(Entry.Builder command) {
    AuthInfo caller = AuthInfo.current();
    // A client's entry always carries an auth revision (at least 1), so apply can tell it from the
    // server's own entries, which carry none (see AuthGuard).
    long authRevision = caller.user().isEmpty() ? authRevisionSource.getAsLong() : caller.revision();
    EntryHeader.Builder header = EntryHeader.newBuilder()
        .setId(nextId.incrementAndGet())
        .setUsername(caller.user())
        .setAuthRevision(authRevision);
    long requestId = RequestIds.current();
    boolean deduplicated = requestId != 0 && capabilities.get().supportsIdempotentWrites()
        && IdempotentWrites.covers(command);
    if (deduplicated) {
      header.setRequestId(requestId);
    }
    if (RequestIds.isRetry()) {
      if (!deduplicated) {
        return CompletableFuture.completedFuture(error(IdempotentWrites.RETRY_NOT_DEDUPLICATED));
      }
      header.setRetry(true);
    }
    return replicate(command.setHeader(header));
  }

  /**
   * Replicates an entry the server makes on its own behalf (member attributes, lease expiry,
   * quota alarms, authentication results): it carries no user and passes the apply-time auth check.
   */
  public CompletableFuture<ApplyResult> proposeInternal(Entry.Builder command) {
    return replicate(command.setHeader(EntryHeader.newBuilder().setId(nextId.incrementAndGet())));
  }

  private CompletableFuture<ApplyResult> replicate(Entry.Builder command) {
    Entry entry = command.build();
    CompletableFuture<ApplyResult> result = new CompletableFuture<>();
    if (entry.getSerializedSize() > maxRequestBytes) {
      result.complete(error(EtcdErrors.REQUEST_TOO_LARGE));
      return result;
    }
    result.completeOnTimeout(error(EtcdErrors.TIMEOUT), requestTimeoutMs, TimeUnit.MILLISECONDS);
    attempt(entry, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs), result);
    return result;
  }

  private void attempt(Entry entry, long deadlineNanos, CompletableFuture<ApplyResult> result) {
    if (result.isDone()) {
      return;
    }
    if (proposeAsLeader(entry, result)) {
      return;
    }
    String leader = raft.leader();
    if (leader == null || leader.equals(raft.self())) {
      retryLater(entry, deadlineNanos, result, EtcdErrors.NO_LEADER);
      return;
    }
    ForwardRequest forward = ForwardRequest.newBuilder().setEntry(entry.toByteString()).build();
    transport.<ForwardResponse>call(leader, forward, requestTimeoutMs).whenComplete((response, failure) -> {
      if (failure != null) {
        // The leader may have received it: do not send it again.
        result.complete(error(EtcdErrors.TIMEOUT));
      } else if (response.getRefused()) {
        retryLater(entry, deadlineNanos, result, EtcdErrors.NO_LEADER);
      } else {
        // Answer once this member has applied the write too; if it lags past the deadline, the
        // write is committed all the same and the answer goes out (the timeout completes it).
        ApplyResult applied = response.getResult();
        appliedIndex.awaitApplied(applied.getAppliedIndex()).thenRun(() -> result.complete(applied));
      }
    });
  }

  private void retryLater(Entry entry, long deadlineNanos, CompletableFuture<ApplyResult> result,
      StatusRuntimeException onDeadline) {
    if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_DELAY_MS) >= deadlineNanos) {
      result.complete(error(onDeadline));
      return;
    }
    timer.schedule(() -> attempt(entry, deadlineNanos, result), RETRY_DELAY_MS, TimeUnit.MILLISECONDS);
  }

  /** Serves a follower's forwarded write on this member (the leader, unless leadership moved). */
  public void serveForward(ForwardRequest request, CompletableFuture<ForwardResponse> reply) {
    Entry entry;
    try {
      entry = Entry.parseFrom(request.getEntry());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      reply.complete(ForwardResponse.newBuilder().setResult(error(MALFORMED_FORWARD)).build());
      return;
    }
    if (entry.getCommandCase() == Entry.CommandCase.COMMAND_NOT_SET) {
      // No member could apply it (each would stop on it, and again on every restart): keep it out of the log.
      reply.complete(ForwardResponse.newBuilder().setResult(error(FORWARD_WITHOUT_COMMAND)).build());
      return;
    }
    CompletableFuture<ApplyResult> applied = new CompletableFuture<>();
    if (!proposeAsLeader(entry, applied)) {
      reply.complete(ForwardResponse.newBuilder().setRefused(true).build());
      return;
    }
    applied.thenAccept(result -> reply.complete(ForwardResponse.newBuilder().setResult(result).build()));
  }


  private static ProposalCallback completeWith(CompletableFuture<ApplyResult> result) {
    return new ProposalCallback() {
      @Override
      public void applied(ApplyResult applied) {
        result.complete(applied);
      }

      @Override
      public void failed(RaftUnavailableException reason) {
        result.complete(error(reason.reason() == RaftUnavailableException.Reason.STOPPED
            ? EtcdErrors.STOPPED : EtcdErrors.LEADER_CHANGED));
      }
    };
  }

  static ApplyResult error(StatusRuntimeException error) {
    return EtcdErrors.result(error);
  }
}
