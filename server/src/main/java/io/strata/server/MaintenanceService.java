package io.strata.server;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.AlarmMember;
import io.strata.api.etcdserverpb.AlarmRequest;
import io.strata.api.etcdserverpb.AlarmResponse;
import io.strata.api.etcdserverpb.DefragmentRequest;
import io.strata.api.etcdserverpb.DowngradeInfo;
import io.strata.api.etcdserverpb.DowngradeRequest;
import io.strata.api.etcdserverpb.DowngradeResponse;
import io.strata.api.records.DowngradeRecord;
import io.strata.api.etcdserverpb.DefragmentResponse;
import io.strata.api.etcdserverpb.HashKVRequest;
import io.strata.api.etcdserverpb.HashKVResponse;
import io.strata.api.etcdserverpb.HashRequest;
import io.strata.api.etcdserverpb.HashResponse;
import io.strata.api.etcdserverpb.MaintenanceGrpc;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.MoveLeaderRequest;
import io.strata.api.etcdserverpb.MoveLeaderResponse;
import io.strata.api.etcdserverpb.SnapshotRequest;
import io.strata.api.etcdserverpb.SnapshotResponse;
import io.strata.api.etcdserverpb.StatusRequest;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.api.raftpb.Entry;
import io.strata.storage.KvHash;
import io.strata.storage.ReadView;
import io.strata.storage.RevisionUnavailableException;
import io.strata.storage.SnapshotArchive;
import io.strata.storage.StorageVersion;
import io.strata.api.version.Version;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Maintenance service: Status, Alarm, Defragment, Hash, HashKV, Snapshot, MoveLeader, and
 * Downgrade (handed to {@link ClusterDowngrade}).
 *
 * <p>Threading: gRPC threads; slow work (defragment, snapshot) runs on {@code slowExecutor}.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);
  private static final int SNAPSHOT_CHUNK = 32 * 1024;

  private final MemberContext member;
  private final Proposer proposer;
  private final Alarms alarms;
  private final Executor slowExecutor;
  private final ScheduledExecutorService timer;
  private final Path scratchDir;
  private final long quotaBackendBytes;
  private final StrataVersion serverVersion;
  private final long requestTimeoutMs;
  private final ApiAuth auth;
  private final LinearizableReads reads;
  private final ClusterVersions versions;
  private final ClusterDowngrade downgrades;
  private final LongConsumer snapshotSent;

  MaintenanceService(MemberContext member, Proposer proposer, Alarms alarms, Executor slowExecutor,
      ScheduledExecutorService timer, Path scratchDir, long quotaBackendBytes, StrataVersion serverVersion,
      long requestTimeoutMs, ApiAuth auth, LinearizableReads reads, ClusterVersions versions,
      LongConsumer snapshotSent) {
    this.snapshotSent = snapshotSent;
    this.versions = versions;
    this.downgrades = new ClusterDowngrade(member, proposer, reads, versions, slowExecutor);
    this.auth = auth;
    this.reads = reads;
    this.member = member;
    this.proposer = proposer;
    this.alarms = alarms;
    this.slowExecutor = slowExecutor;
    this.timer = timer;
    this.scratchDir = scratchDir;
    this.quotaBackendBytes = quotaBackendBytes;
    this.serverVersion = serverVersion;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    long revision;
    String storageVersion;
    try (ReadView view = member.backend().readView()) {
      revision = view.currentRevision();
      storageVersion = StorageVersion.of(view).map(Version::wire).orElse("");
    }
    StatusResponse.Builder status = StatusResponse.newBuilder()
        .setHeader(member.header(revision))
        .setVersion(serverVersion.version().wire())
        .setStorageVersion(storageVersion)
        .setDbSize(member.backend().sizeBytes())
        .setDbSizeInUse(member.backend().sizeInUseBytes())
        .setLeader(member.leaderId())
        .setRaftIndex(member.raft().committedIndex())
        .setRaftTerm(member.raft().term())
        .setRaftAppliedIndex(member.raft().appliedIndex())
        .setDbSizeQuota(quotaBackendBytes)
        .setDowngradeInfo(downgradeInfo(versions.downgrade()))
        .setDowngradeState(versions.downgradeState())
        .setIsLearner(member.isLearner());
    for (AlarmMember alarm : alarms.list()) {
      status.addErrors("memberID:" + alarm.getMemberID() + " alarm:" + alarm.getAlarm() + " ");
    }
    observer.onNext(status.build());
    observer.onCompleted();
  }

  /** etcd's DowngradeInfo: the target as "X.Y.0" while a downgrade is enabled. */
  static DowngradeInfo downgradeInfo(DowngradeRecord downgrade) {
    return downgrade.getEnabled()
        ? DowngradeInfo.newBuilder().setEnabled(true).setTargetVersion(Version.parse(downgrade.getTargetVersion()).wire()).build()
        : DowngradeInfo.getDefaultInstance();
  }

  @Override
  public void downgrade(DowngradeRequest request, StreamObserver<DowngradeResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    downgrades.handle(request, observer);
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    Replies.whenApplied(proposer.propose(Entry.newBuilder().setAlarm(request)), observer,
        result -> result.getAlarm().toBuilder().setHeader(member.fill(result.getAlarm().getHeader())).build());
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    slowExecutor.execute(() -> {
      long before = member.backend().sizeBytes();
      member.backend().compactFiles();
      LOG.info("defragmented: {} bytes before, {} after", before, member.backend().sizeBytes());
      observer.onNext(DefragmentResponse.newBuilder().setHeader(member.header(0)).build());
      observer.onCompleted();
    });
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    try (ReadView view = member.backend().readView()) {
      observer.onNext(HashResponse.newBuilder()
          .setHeader(member.header(view.currentRevision()))
          .setHash(KvHash.hashAll(view))
          .build());
    }
    observer.onCompleted();
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    try (ReadView view = member.backend().readView()) {
      KvHash.Result result = KvHash.hashKv(view, request.getRevision());
      observer.onNext(HashKVResponse.newBuilder()
          .setHeader(member.header(view.currentRevision()))
          .setHash(result.hash())
          .setCompactRevision(result.compactRevision())
          .setHashRevision(result.hashRevision())
          .build());
      observer.onCompleted();
    } catch (RevisionUnavailableException e) {
      observer.onError(KvApplier.revisionError(e));
    }
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    // gRPC allows the stream's handlers to be set only now, before this method returns.
    SnapshotSender sender = new SnapshotSender((ServerCallStreamObserver<SnapshotResponse>) observer, snapshotSent);
    // Unlike etcd, a snapshot first passes a read barrier: it holds every write acknowledged before
    // the request, whichever member serves it.
    reads.await().whenCompleteAsync((ready, failure) -> {
      if (failure != null) {
        observer.onError(LinearizableReads.asStatus(failure));
        return;
      }
      Path archive = scratchDir.resolve("snapshot-" + System.nanoTime() + ".strata");
      sender.checkpointStarted();
      try {
        long revision;
        try (ReadView view = member.backend().readView()) {
          revision = view.currentRevision();
        }
        long size = SnapshotArchive.write(member.backend(), archive);
        LOG.info("sending a snapshot of {} bytes at revision {}", size, revision);
        sender.send(archive, size, member.header(revision), serverVersion.version().wire());
      } catch (IOException | RuntimeException e) {
        LOG.warn("snapshot failed", e);
        sender.finish();
        deleteQuietly(archive);
        observer.onError(EtcdErrors.error(io.grpc.Status.Code.INTERNAL, "etcdserver: snapshot failed: " + e.getMessage()));
      }
    }, slowExecutor);
  }

  /**
   * Streams an archive in chunks, as fast as the client reads (gRPC flow control), then deletes it
   * and reports the time since the checkpoint began: etcd's backend snapshot duration, which runs
   * from opening the backend snapshot to closing it after the stream (whether it completed, was
   * cancelled or failed).
   * Threading: its methods synchronise on the sender; gRPC calls {@link #run} when the stream is ready.
   */
  private static final class SnapshotSender implements Runnable {
    private final ServerCallStreamObserver<SnapshotResponse> call;
    private final LongConsumer sent;
    private boolean checkpointStarted;
    private long checkpointStartedNanos;
    private boolean reported;
    private InputStream in;
    private Path archive;
    private io.strata.api.etcdserverpb.ResponseHeader header;
    private String version;
    private long remaining;
    private boolean first = true;
    private boolean done;

    SnapshotSender(ServerCallStreamObserver<SnapshotResponse> call, LongConsumer sent) {
      this.call = call;
      this.sent = sent;
      call.setOnCancelHandler(this::finish);
      call.setOnReadyHandler(this);
    }

    synchronized void checkpointStarted() {
      checkpointStarted = true;
      checkpointStartedNanos = System.nanoTime();
    }

    synchronized void send(Path archive, long size, io.strata.api.etcdserverpb.ResponseHeader header, String version)
        throws IOException {
      this.archive = archive;
      this.in = Files.newInputStream(archive);
      this.remaining = size;
      this.header = header;
      this.version = version;
      if (done) {
        finish();
        return;
      }
      run();
    }

    @Override
    public synchronized void run() {
      if (in == null) {
        return;
      }
      try {
        while (!done && call.isReady()) {
          byte[] chunk = in.readNBytes((int) Math.min(SNAPSHOT_CHUNK, remaining));
          remaining -= chunk.length;
          SnapshotResponse.Builder message = SnapshotResponse.newBuilder()
              .setRemainingBytes(remaining)
              .setBlob(ByteString.copyFrom(chunk));
          if (first) {
            message.setHeader(header).setVersion(version);
            first = false;
          }
          call.onNext(message.build());
          if (remaining == 0) {
            call.onCompleted();
            finish();
          }
        }
      } catch (IOException e) {
        call.onError(EtcdErrors.error(io.grpc.Status.Code.INTERNAL, "etcdserver: snapshot read failed"));
        finish();
      }
    }

    synchronized void finish() {
      done = true;
      if (checkpointStarted && !reported) {
        reported = true;
        sent.accept(System.nanoTime() - checkpointStartedNanos);
      }
      if (in != null) {
        try {
          in.close();
        } catch (IOException ignored) {
          // the archive is deleted next
        }
        in = null;
        deleteQuietly(archive);
      }
    }
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
    if (deniedAdmin(observer)) {
      return;
    }
    if (!member.raft().isLeader()) {
      observer.onError(EtcdErrors.NOT_LEADER);
      return;
    }
    String target = null;
    try (ReadView view = member.backend().readView()) {
      for (Member candidate : view.members()) {
        if (candidate.getID() == request.getTargetID()) {
          target = InitialCluster.peerAddress(candidate.getPeerURLs(0));
        }
      }
    }
    if (target == null || !member.raft().peers().contains(target)) {
      observer.onError(EtcdErrors.BAD_LEADER_TRANSFEREE);
      return;
    }
    if (target.equals(member.raft().self())) {
      observer.onNext(MoveLeaderResponse.newBuilder().setHeader(member.header(0)).build());
      observer.onCompleted();
      return;
    }
    if (!member.raft().transferLeadershipTo(target)) {
      observer.onError(EtcdErrors.TIMEOUT);
      return;
    }
    awaitLeader(target, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs), observer);
  }

  private void awaitLeader(String target, long deadlineNanos, StreamObserver<MoveLeaderResponse> observer) {
    if (target.equals(member.raft().leader())) {
      observer.onNext(MoveLeaderResponse.newBuilder().setHeader(member.header(0)).build());
      observer.onCompleted();
    } else if (System.nanoTime() > deadlineNanos) {
      observer.onError(EtcdErrors.TIMEOUT);
    } else {
      timer.schedule(() -> awaitLeader(target, deadlineNanos, observer), 20, TimeUnit.MILLISECONDS);
    }
  }

  /** etcd lets only the root role run maintenance other than Status. */
  private boolean deniedAdmin(StreamObserver<?> observer) {
    io.grpc.StatusRuntimeException denied = auth.admin();
    if (denied != null) {
      observer.onError(denied);
      return true;
    }
    return false;
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // a leftover archive in the scratch directory is removed at the next start
    }
  }
}
