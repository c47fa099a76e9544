package io.strata.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.grpc.RequestParsing;
import io.strata.api.peerpb.ForwardRequest;
import io.strata.api.peerpb.ForwardResponse;
import io.strata.api.peerpb.MemberVersionRequest;
import io.strata.api.raftpb.Entry;
import io.strata.api.raftpb.MemberAttributes;
import io.strata.raft.RaftNode;
import io.strata.raft.RaftObserver;
import io.strata.raft.RaftSettings;
import io.strata.server.lease.Leases;
import io.strata.server.lease.Ticker;
import io.strata.server.watch.WatchHub;
import io.strata.server.watch.WatchService;
import io.strata.server.watch.WatchSettings;
import io.strata.server.auth.AuthApplier;
import io.strata.server.auth.AuthGuard;
import io.strata.server.auth.AuthInterceptor;
import io.strata.server.auth.AuthService;
import io.strata.server.auth.AuthStore;
import io.strata.server.auth.PasswordHasher;
import io.strata.server.tls.ClientListeners;
import io.strata.server.tls.ServerTls;
import io.strata.api.records.DowngradeRecord;
import io.strata.api.version.Version;
import io.strata.storage.Backend;
import io.strata.storage.ClusterVersionRecord;
import io.strata.storage.StorageVersion;
import io.strata.storage.MetaKey;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Strata member: the state database, the Raft node, the gRPC client API and the HTTP
 * endpoints, wired together.
 *
 * <p>Start-up order: open the store, seed the initial members on a brand-new store, start Raft,
 * then serve clients; publish this member's name and client URLs through Raft once there is a
 * leader. Shutdown runs in reverse; a leader first hands leadership to another member.
 */
final class StrataServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StrataServer.class);
  /** etcd's default --auth-token-ttl: a simple token lives this long after its last use. */
  private static final long AUTH_TOKEN_TTL_SECONDS = 300;

  private final ServerConfig config;
  private Backend backend;
  private RaftNode raft;
  private final List<Server> grpc = new ArrayList<>();
  private HttpEndpoints http;
  private PhysicalCompactor compactor;
  private ScheduledExecutorService timer;
  private ExecutorService readExecutor;
  private MemberContext member;
  private Leases leases;
  private WatchHub watchHub;
  private volatile MembershipReconciler reconciler;
  private ClusterVersions clusterVersions;
  private ClusterVersionMonitor versionMonitor;
  private PeerProber peerProber;

  StrataServer(ServerConfig config) {
    this.config = config;
  }

  /**
   * The TLS of the listeners {@code config} names, checked as a start checks it: etcd's rules for
   * https URLs (certificate and key required), one scheme for every peer URL the member knows at
   * start ({@code --listen-peer-urls}, {@code --initial-advertise-peer-urls}, {@code --initial-cluster}),
   * and files that can be used.
   */
  static ServerTls tlsOf(ServerConfig config, InitialCluster initial) {
    List<String> peerUrls = new ArrayList<>(List.of(ServerConfig.split(config.listenPeerUrls).get(0),
        config.advertisedPeerUrl()));
    initial.members().forEach(m -> peerUrls.addAll(m.getPeerURLsList()));
    return ServerTls.from(config.tls, config.clientUrls(), ServerConfig.split(config.listenMetricsUrls), peerUrls);
  }

  void start() throws IOException {
    if (!config.initialClusterState.equals("new") && !config.initialClusterState.equals("existing")) {
      throw new IllegalArgumentException("--initial-cluster-state must be 'new' or 'existing', not " + config.initialClusterState);
    }
    InitialCluster initial = InitialCluster.parse(config.effectiveInitialCluster(), config.initialClusterToken);
    Member self = initial.memberNamed(config.name);
    if (!self.getPeerURLsList().contains(config.advertisedPeerUrl())) {
      throw new IllegalArgumentException("--initial-cluster gives " + config.name + " the peer URLs "
          + self.getPeerURLsList() + " but --initial-advertise-peer-urls is " + config.advertisedPeerUrl());
    }
    ServerTls tls = tlsOf(config, initial);
    StrataVersion version = config.version();
    Path dbDir = config.effectiveDataDir().resolve("db");
    Optional<Version> storageVersion = StorageVersion.detect(dbDir);
    if (storageVersion.isPresent() && storageVersion.get().isNewerThan(version.version())) {
      throw new DataTooNewException("the data in " + dbDir + " has storage version " + storageVersion.get()
          + ", newer than this member's version " + version.version() + "; downgrade the cluster first, or"
          + " move the data directory with `strata migrate --target-version " + version.version() + "`");
    }
    Files.createDirectories(config.effectiveDataDir());
    dataDirOfThisProcess = config.effectiveDataDir();
    backend = Backend.open(dbDir);
    Optional<Version> cluster;
    try (ReadView view = backend.readView()) {
      cluster = ClusterVersionRecord.of(view);
    }
    if (cluster.isPresent() && cluster.get().isNewerThan(version.version())) {
      backend.close();
      backend = null;
      throw new DataTooNewException("this member's version " + version.version()
          + " is lower than the cluster version " + cluster.get() + " recorded in " + dbDir
          + "; a member may join at a lower version only while the cluster is being downgraded to it");
    }
    // A joining member learns its own record (learner or voter) from the log it replays.
    seedInitialMembers(config.initialClusterState.equals("existing")
        ? initial.members().stream().filter(m -> m.getID() != self.getID()).toList() : initial.members(), version);

    timer = Executors.newScheduledThreadPool(1, daemon("strata-timer"));
    tls.reloadEvery(timer);
    readExecutor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("strata-read"));
    compactor = new PhysicalCompactor(backend);
    // Headers need the member context, built after Raft; the hub asks for one only once it serves.
    watchHub = new WatchHub(backend, revision -> member.header(revision),
        WatchSettings.defaults(config.maxRequestBytes)
            .withProgressNotifyInterval(WatchSettings.parseGoDuration(config.watchProgressNotifyInterval))
            .withLeaderCheckInterval(java.time.Duration.ofMillis(config.electionTimeoutMs)));
    ServerMetrics metrics = new ServerMetrics();
    leases = new Leases(backend, Ticker.SYSTEM, config.heartbeatIntervalMs, config.electionTimeoutMs);
    KvApplier kv = new KvApplier(leases.keys(), compactor);
    Alarms alarms = new Alarms(backend);
    MembershipApplier membership = new MembershipApplier(self.getID(), backend, () -> leaveCluster(self.getID()), () -> {
      if (reconciler != null) {
        reconciler.poke();
      }
    });
    AppliedIndexWaiter appliedIndex = new AppliedIndexWaiter(backend.metaLong(MetaKey.CONSISTENT_INDEX));
    AuthStore authStore = new AuthStore(backend, System::nanoTime, AUTH_TOKEN_TTL_SECONDS);
    AuthApplier authApplier = new AuthApplier(authStore);
    ApiAuth apiAuth = new ApiAuth(authStore::state, leases.lessor()::keysOf);
    watchHub.readPermission((key, rangeEnd) -> apiAuth.keys(key, rangeEnd, false));
    clusterVersions = new ClusterVersions(backend, version.version(), StrataServer::stopTooOld);
    clusterVersions.setMigrationListener(metrics);
    ApplyDispatcher core = new ApplyDispatcher(kv, alarms, new ApplyDispatcher.Features(
        leases.applier(), membership, authApplier, clusterVersions), new AuthGuard(authStore, leases.lessor()::keysOf),
        List.of(compactor, alarms, membership, leases.applier(), authApplier, clusterVersions, appliedIndex, watchHub));
    // A member joining an existing cluster starts with no Raft configuration: the leader adds it
    // (after catching it up) and replicates the configuration to it.
    List<String> peers = config.initialClusterState.equals("existing") ? List.of()
        : initial.members().stream().map(m -> InitialCluster.peerAddress(m.getPeerURLs(0))).toList();
    String selfPeer = InitialCluster.peerAddress(config.advertisedPeerUrl());
    raft = new RaftNode(new RaftSettings(config.effectiveDataDir(), selfPeer, peers,
        config.electionTimeoutMs, config.snapshotCount, config.peerListenPort(), tls.peer()), backend,
        new IdempotentWrites(core, clusterVersions::capabilities, IdempotentWrites.WINDOW),
        RaftObserver.all(metrics, leases.observer()), StrataServer::fatal);
    member = new MemberContext(initial.clusterId(), self.getID(), raft, backend, membership::selfIsLearner);
    metrics.bind(member, config.quotaBackendBytes);
    metrics.bind(watchHub);
    metrics.bind(new VersionMetrics.Sources(version.version(), () -> VersionMetrics.storageVersionOf(backend),
        clusterVersions::current, clusterVersions::downgrade, clusterVersions::downgradeState));
    Proposer proposer = new Proposer(raft, raft.transport(), timer, config.requestTimeoutMs(),
        config.maxRequestBytes, self.getID(), appliedIndex);
    proposer.setLeaderCheck(new MembershipGuard(raft, backend));
    proposer.setAuthRevisionSource(() -> authStore.state().revision());
    proposer.setCapabilities(clusterVersions::capabilities);
    versionMonitor = new ClusterVersionMonitor(raft, raft.transport(), backend, clusterVersions, proposer,
        version.version(), timer);
    versionMonitor.serve();
    raft.transport().handle(ForwardRequest.getDefaultInstance(), ForwardResponse.getDefaultInstance(),
        proposer::serveForward);
    var leaseService = leases.serve(raft, member, proposer, timer, config.requestTimeoutMs(),
        WatchSettings.parseGoDuration(config.leaseCheckpointInterval),
        () -> clusterVersions.capabilities().supportsLeaseCheckpoints());
    raft.start();
    compactor.resume();
    reconciler = new MembershipReconciler(raft, backend, timer);
    reconciler.start();
    versionMonitor.start();
    peerProber = new PeerProber(self.getID(), () -> {
      try (ReadView view = backend.readView()) {
        return view.members();
      }
    }, (peer, timeoutMs) -> raft.transport().call(peer, MemberVersionRequest.getDefaultInstance(), timeoutMs),
        metrics::peerRoundTrip, System::nanoTime);
    peerProber.start(timer);
    // The first count of the live keys scans them all: done now rather than by the first scrape.
    readExecutor.execute(() -> {
      try {
        backend.liveKeyCount();
      } catch (RuntimeException e) {
        LOG.warn("counting the live keys failed; the first scrape counts them", e);
      }
    });

    LinearizableReads reads = new LinearizableReads(raft::readIndex, timer, config.requestTimeoutMs(),
        Failpoints.fromEnvironment(), metrics::readIndexFailed);
    QuotaGuard quota = new QuotaGuard(backend, config.quotaBackendBytes, self.getID(), proposer);
    Path scratchDir = config.effectiveDataDir().resolve("tmp");
    Backend.deleteTree(scratchDir);
    Files.createDirectories(scratchDir);
    // Innermost first; they run inside the request parsing, so they see typed messages.
    List<ServerInterceptor> interceptors = new ArrayList<>();
    // An older version ignores the request id metadata, but every member checks the retry marker.
    interceptors.add(new RequestIds(version.supportsIdempotentWrites()));
    interceptors.addAll(List.of(new AuthInterceptor(authStore, tls.clientCertAuth()), new LearnerGate(membership::selfIsLearner),
        new VersionGate(version.version()), new ResponseMetadata()));
    List<BindableService> services = List.of(
        new AuthService(member, proposer, reads, authStore, new PasswordHasher(), readExecutor),
        leaseService,
        new WatchService(watchHub, member),
        new KvService(member, proposer, reads, readExecutor, config.maxTxnOps, compactor, quota, apiAuth),
        new MaintenanceService(member, proposer, alarms, readExecutor, timer, scratchDir,
            config.quotaBackendBytes, version, config.requestTimeoutMs(), apiAuth, reads, clusterVersions,
            metrics::backendSnapshotSent),
        new ClusterService(member, reads, readExecutor, proposer, config.initialClusterToken, apiAuth,
            clusterVersions::capabilities));
    // One gRPC server per scheme of --listen-client-urls (https: TLS, http: plaintext), same services.
    for (NettyServerBuilder builder : ClientListeners.builders(config.clientUrls(), tls.client())) {
      for (BindableService service : services) {
        builder.addService(metrics.grpc().instrument(RequestParsing.etcdRules(
            ServerInterceptors.intercept(service, interceptors), RequestParsing.UnknownFields.DISCARD)));
      }
      grpc.add(builder
          .addStreamTracerFactory(metrics.grpc().byteCounter())
          // etcd accepts gRPC messages up to the request limit plus an allowance for framing.
          .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, config.maxRequestBytes + 512 * 1024))
          .build()
          .start());
    }
    Health.Check localRead = Health.localRead(member, readExecutor);
    Health health = new Health(alarms::list, () -> raft.leader() != null, localRead,
        Health.linearizableRead(reads, localRead), java.time.Duration.ofMillis(config.requestTimeoutMs()), metrics);
    http = new HttpEndpoints(config.listenMetricsUrls, metrics, health, this::versionJson, tls.client());
    http.start();
    publishAttributes(proposer, self.getID());
    LOG.info("strata {} member {} ({}) serving clients on {}, peers on {}, data in {}", version.version(),
        config.name, Long.toHexString(self.getID()), config.clientUrls(), selfPeer, config.effectiveDataDir());
  }

  /**
   * A brand-new store starts with the members of --initial-cluster (every member seeds the same
   * records) and the storage version of the version this member runs as.
   */
  private void seedInitialMembers(List<Member> members, StrataVersion version) {
    try (ReadView view = backend.readView()) {
      if (view.consistentIndex() > 0 || !view.members().isEmpty()) {
        return;
      }
    }
    try (StoreBatch batch = backend.beginBatch()) {
      members.forEach(batch::putMember);
      StorageVersion.write(batch, version.version());
      batch.commit();
    }
  }

  /** The data directory holds data newer than this member can read; nothing was changed. */
  static final class DataTooNewException extends RuntimeException {
    DataTooNewException(String message) {
      super(message);
    }
  }

  /** Proposes this member's name and client URLs until a leader has applied them (etcd's publish). */
  private void publishAttributes(Proposer proposer, long memberId) {
    Entry.Builder attributes = Entry.newBuilder().setMemberAttributes(MemberAttributes.newBuilder()
        .setMemberId(memberId)
        .setName(config.name)
        .addAllClientUrls(config.advertisedClientUrls()));
    proposer.proposeInternal(attributes).whenComplete((result, failure) -> {
      if (failure != null || result.hasError()) {
        if (!timer.isShutdown()) {
          timer.schedule(() -> publishAttributes(proposer, memberId), 500, TimeUnit.MILLISECONDS);
        }
      } else {
        LOG.info("published member attributes (name {}, client URLs {})", config.name, config.advertisedClientUrls());
      }
    });
  }

  /**
   * This member's removal was applied: like etcd, it stops, once it has caught up (no entry
   * applied for an election timeout, or 30 s at most) and its record is still absent. A member's id derives from
   * its peer URL, so a member removed and later added again under the same URL (a StatefulSet pod
   * scaled down, then up) replays its old removal while it catches up from the log, followed by
   * its new addition: that one keeps running. A removed leader first waits (bounded) until its
   * reconciler has handed leadership over, so the cluster needs no election.
   */
  private void leaveCluster(long selfId) {
    LOG.warn("applied this member's removal; stopping once it has caught up and is still removed");
    long start = System.nanoTime();
    long leaderDeadline = start + TimeUnit.SECONDS.toNanos(10);
    long catchUpDeadline = start + TimeUnit.SECONDS.toNanos(30);
    long quietNanos = TimeUnit.MILLISECONDS.toNanos(config.electionTimeoutMs);
    Runnable check = new Runnable() {
      private long lastApplied = raft.appliedIndex();
      private long appliedSince = start;

      @Override
      public void run() {
        long now = System.nanoTime();
        long applied = raft.appliedIndex();
        if (applied != lastApplied) {
          lastApplied = applied;
          appliedSince = now;
        }
        if (isMember(selfId)) {
          LOG.info("this member was added again after the removal it applied; it keeps running");
          return;
        }
        boolean caughtUp = now - appliedSince >= quietNanos || now > catchUpDeadline;
        if (caughtUp && (!raft.isLeader() || now > leaderDeadline)) {
          LOG.warn("the member has been permanently removed from the cluster; stopping");
          new Thread(() -> System.exit(0), "strata-exit").start();
        } else {
          timer.schedule(this, 100, TimeUnit.MILLISECONDS);
        }
      }
    };
    timer.schedule(check, 100, TimeUnit.MILLISECONDS);
  }

  private boolean isMember(long memberId) {
    try (ReadView view = backend.readView()) {
      return view.members().stream().anyMatch(m -> m.getID() == memberId);
    }
  }

  private String versionJson() {
    String server = config.version().version().wire();
    String storage = VersionMetrics.storageVersionOf(backend).map(Version::wire).orElse("unknown");
    String cluster = clusterVersions.current().map(Version::wire).orElse("not_decided");
    DowngradeRecord downgrade = clusterVersions.downgrade();
    String target = downgrade.getTargetVersion().isEmpty() ? "" : Version.parse(downgrade.getTargetVersion()).wire();
    return "{\"etcdserver\":\"" + server + "\",\"etcdcluster\":\"" + cluster + "\",\"storage\":\"" + storage
        + "\",\"downgrade\":{\"enabled\":" + downgrade.getEnabled() + ",\"target\":\"" + target
        + "\",\"state\":\"" + clusterVersions.downgradeState() + "\"}}";
  }

  /** The cluster moved to a version this member cannot run: stop, as etcd does. */
  private static void stopTooOld() {
    new Thread(() -> System.exit(1), "strata-exit").start();
  }

  /** Below this much usable space, a fatal error's log line says the data dir's disk is full. */
  private static final long LOW_DISK_BYTES = 4L << 20;
  /** For the fatal error's log line; one member runs per process. */
  private static volatile Path dataDirOfThisProcess;

  private static void fatal(Throwable cause) {
    LOG.error("fatal error, stopping the member{}", diskFullNote(dataDirOfThisProcess), cause);
    Runtime.getRuntime().halt(1);
  }

  /**
   * "; the data dir's disk is full (N bytes usable)" when it is: storage errors on a full disk
   * often lose the errno on their way up (jraft reports "Fail to create snapshot writer").
   */
  static String diskFullNote(Path dataDir) {
    if (dataDir == null) {
      return "";
    }
    try {
      long usable = Files.getFileStore(dataDir).getUsableSpace();
      return usable < LOW_DISK_BYTES
          ? "; the data dir's disk is full (" + usable + " bytes usable)" : "";
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread thread = new Thread(r, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void close() {
    if (raft != null && raft.isLeader()) {
      handOffLeadership();
    }
    if (watchHub != null) {
      watchHub.close(); // ends watch streams with "server stopped", so clients move to another member
    }
    grpc.forEach(Server::shutdown);
    for (Server server : grpc) {
      try {
        server.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server.shutdownNow();
    }
    if (http != null) {
      http.close();
    }
    if (reconciler != null) {
      reconciler.close();
    }
    if (peerProber != null) {
      peerProber.close();
    }
    if (versionMonitor != null) {
      versionMonitor.close();
    }
    if (leases != null) {
      leases.close();
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    if (raft != null) {
      try {
        raft.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (compactor != null) {
      compactor.close();
    }
    if (readExecutor != null) {
      readExecutor.shutdownNow();
    }
    if (backend != null) {
      backend.close();
    }
    LOG.info("member {} stopped", config.name);
  }

  /** A stopping leader hands over first, so the cluster does not wait an election timeout. */
  private void handOffLeadership() {
    for (String peer : raft.peers()) {
      if (!peer.equals(raft.self()) && raft.transferLeadershipTo(peer)) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.electionTimeoutMs);
        while (raft.isLeader() && System.nanoTime() < deadline) {
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return;
      }
    }
  }
}
