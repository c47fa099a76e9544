package io.strata.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.RaftServiceFactory;
import com.alipay.sofa.jraft.ReplicatorGroup;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.core.Replicator;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.option.ReadOnlyOption;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import io.strata.raft.tls.PeerRpcFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.GrpcServer;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.ThreadId;
import io.grpc.ServerServiceDefinition;
import io.grpc.util.MutableHandlerRegistry;
import io.strata.api.grpc.RequestParsing;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's Raft node: jraft with its gRPC transport on the peer port, the state machine
 * shell over the state database, and the peer transport for Strata's own peer RPCs.
 *
 * <p>Threading: {@link #propose} and {@link #readIndex} may be called from any thread and never
 * block; their callbacks run on jraft's threads and must not block either.
 */
public final class RaftNode implements AutoCloseable {
  static final String GROUP = "strata";
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
  /** jraft keeps its replicators private to the node; {@link #matchIndex} reads them through this. */
  private static final Field REPLICATOR_GROUP = replicatorGroupField();

  private static final long SNAPSHOT_RETRY_MS = 200;
  /**
   * A snapshot download without progress for this long is cancelled (see
   * {@link SnapshotDownloadWatchdog}). A healthy download writes a chunk at least every 10 s (jraft's
   * file request timeout); a failing one gives up by itself after three such timeouts.
   */
  static final Duration SNAPSHOT_DOWNLOAD_STALL_TIMEOUT = Duration.ofSeconds(30);

  private final RaftSettings settings;
  private final RaftObserver observer;
  private final Duration snapshotDownloadStallTimeout;
  private final Consumer<NodeOptions> nodeOptionsOverride;
  private SnapshotDownloadWatchdog snapshotDownloadWatchdog;
  private final ApplyCore core;
  private final StateMachineShell shell;
  /** jraft's log storage of this member, once the node created it. */
  private volatile LogStorage logStorage;
  /** A snapshot request is with jraft; another is not asked for until it is answered. */
  private final AtomicBoolean snapshotAsked = new AtomicBoolean();
  private final RpcServer rpcServer;
  private final PeerTransport transport;
  private Node node;

  public RaftNode(RaftSettings settings, Backend backend, ApplyCore core, RaftObserver observer,
      Consumer<Throwable> fatalHandler) {
    this(settings, backend, core, observer, fatalHandler, SNAPSHOT_DOWNLOAD_STALL_TIMEOUT, options -> { });
  }

  /** With a different stall timeout for snapshot downloads and a last say on jraft's node options (tests). */
  RaftNode(RaftSettings settings, Backend backend, ApplyCore core, RaftObserver observer,
      Consumer<Throwable> fatalHandler, Duration snapshotDownloadStallTimeout, Consumer<NodeOptions> nodeOptionsOverride) {
    this.settings = settings;
    this.observer = observer;
    this.snapshotDownloadStallTimeout = snapshotDownloadStallTimeout;
    this.nodeOptionsOverride = nodeOptionsOverride;
    this.core = core;
    this.shell = new StateMachineShell(backend, core, settings.snapshotCount(), this::snapshotAsync, observer,
        this::logAfter, fatalHandler);
    PeerId self = peer(settings.self());
    // jraft's gRPC server binds the endpoint's port on every interface; the node's identity stays
    // the advertised address (announced to NodeManager in start()).
    this.rpcServer = PeerRpcFactory.instance().createRpcServer(
        new Endpoint(self.getIp(), settings.listenPort()), settings.peerTls());
    RaftRpcServerFactory.addRaftRequestProcessors(rpcServer);
    this.transport = new PeerTransport(rpcServer, settings.peerTls());
  }

  /** Strata's own peer RPCs: register handlers before {@link #start()}. */
  public PeerTransport transport() {
    return transport;
  }

  public void start() {
    Path raftDir = settings.dataDir().resolve("raft");
    try {
      // jraft's log storage does not create its folder.
      Files.createDirectories(raftDir.resolve("log"));
      Files.createDirectories(raftDir.resolve("meta"));
      Files.createDirectories(raftDir.resolve("snapshot"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // With peer TLS, the node's own RPC client (votes, appends, snapshots) dials with TLS too.
    NodeOptions options = settings.peerTls() == null ? new NodeOptions()
        : new PeerRpcFactory.TlsNodeOptions(settings.peerTls());
    options.setElectionTimeoutMs(settings.electionTimeoutMs());
    options.setInitialConf(new Configuration(settings.initialPeers().stream().map(RaftNode::peer).toList()));
    options.setFsm(shell);
    options.setLogUri(raftDir.resolve("log").toString());
    options.setRaftMetaUri(raftDir.resolve("meta").toString());
    options.setSnapshotUri(raftDir.resolve("snapshot").toString());
    // Snapshots follow --snapshot-count (see StateMachineShell), not a timer.
    options.setSnapshotIntervalSecs(0);
    options.setSharedTimerPool(true);
    options.setServiceFactory(new DefaultJRaftServiceFactory() {
      @Override
      public LogStorage createLogStorage(String uri, RaftOptions raftOptions) {
        LogStorage created = new TimedLogStorage(super.createLogStorage(uri, raftOptions), observer, System::nanoTime);
        logStorage = created;
        return created;
      }
    });
    RaftOptions raftOptions = new RaftOptions();
    raftOptions.setSync(true);
    raftOptions.setReadOnlyOptions(ReadOnlyOption.ReadOnlySafe);
    options.setRaftOptions(raftOptions);
    parseRequestsAsTheClientPortDoes();
    nodeOptionsOverride.accept(options);
    rpcServer.init(null);
    // jraft refuses to start a node whose address no RPC server has announced.
    NodeManager.getInstance().addAddress(peer(settings.self()).getEndpoint());
    node = RaftServiceFactory.createAndInitRaftNode(GROUP, peer(settings.self()), options);
    if (node == null) {
      throw new IllegalStateException("jraft node failed to start; see the log above");
    }
    snapshotDownloadWatchdog = new SnapshotDownloadWatchdog(() -> node, raftDir.resolve("snapshot"),
        snapshotDownloadStallTimeout, shell::isLoadingSnapshot, observer::snapshotDownloadCancelled);
    snapshotDownloadWatchdog.start();
  }

  /**
   * Every peer service registered so far (jraft's and {@link #transport()}'s) answers bytes that
   * are no valid request with INTERNAL, as the client port does, not grpc-java's UNKNOWN. Unknown
   * fields are kept: they may come from a newer member.
   */
  private void parseRequestsAsTheClientPortDoes() {
    MutableHandlerRegistry registry = ((GrpcServer) rpcServer).getHandlerRegistry();
    for (ServerServiceDefinition service : registry.getServices()) {
      registry.addService(RequestParsing.etcdRules(service, RequestParsing.UnknownFields.KEEP));
    }
  }

  /**
   * Proposes an entry. Returns false, without calling {@code callback}, when this member is not
   * the leader: the entry was then certainly not appended and may be sent elsewhere. Once accepted,
   * {@code callback} learns the apply result, or a failure after which the entry may or may not
   * still be committed (the leader changed).
   */
  public boolean propose(Entry entry, ProposalCallback callback) {
    Node current = node;
    if (current == null || !current.isLeader()) {
      return false;
    }
    StateMachineShell.ProposalClosure closure = new StateMachineShell.ProposalClosure() {
      private ApplyResult result;

      @Override
      void setResult(ApplyResult applied) {
        this.result = applied;
      }

      @Override
      public void run(Status status) {
        boolean applied = status.isOk() && result != null;
        observer.proposalDone(applied);
        if (applied) {
          callback.applied(result);
        } else {
          callback.failed(unavailable(status));
        }
      }
    };
    Task task = new Task(ByteBuffer.wrap(entry.toByteArray()), closure);
    observer.proposalStarted();
    current.apply(task);
    return true;
  }

  /**
   * Confirms with a quorum that this member's state machine has applied everything committed
   * before the call (jraft's read-index); then {@code onReady} runs and a local read is
   * linearizable.
   */
  public void readIndex(Runnable onReady, Consumer<RaftUnavailableException> onFailure) {
    Node current = node;
    if (current == null) {
      onFailure.accept(new RaftUnavailableException(RaftUnavailableException.Reason.STOPPED, "not started"));
      return;
    }
    current.readIndex(ReadOnlyOption.ReadOnlySafe, new byte[0], new ReadIndexClosure() {
      @Override
      public void run(Status status, long index, byte[] reqCtx) {
        if (status.isOk()) {
          onReady.run();
        } else {
          onFailure.accept(unavailable(status));
        }
      }
    });
  }

  private RaftUnavailableException unavailable(Status status) {
    RaftUnavailableException.Reason reason;
    if (status.getRaftError() == RaftError.EPERM) {
      reason = leader() == null ? RaftUnavailableException.Reason.NO_LEADER : RaftUnavailableException.Reason.NOT_LEADER;
    } else if (status.getRaftError() == RaftError.ESHUTDOWN || status.getRaftError() == RaftError.ENODESHUTDOWN) {
      reason = RaftUnavailableException.Reason.STOPPED;
    } else if (status.getRaftError() == RaftError.ETIMEDOUT) {
      reason = RaftUnavailableException.Reason.TIMEOUT;
    } else {
      reason = RaftUnavailableException.Reason.NO_LEADER;
    }
    return new RaftUnavailableException(reason, status.toString());
  }

  public boolean isLeader() {
    Node current = node;
    return current != null && current.isLeader();
  }

  /** The leader's peer address (host:port), or null when there is none known. */
  public String leader() {
    Node current = node;
    if (current == null) {
      return null;
    }
    PeerId leader = current.getLeaderId();
    return leader == null || leader.isEmpty() ? null : leader.getEndpoint().toString();
  }

  public String self() {
    return settings.self();
  }

  /** The voting members' peer addresses, as jraft's current configuration has them. */
  public List<String> peers() {
    Node current = node;
    return current == null ? List.of()
        : current.listPeers().stream().map(p -> p.getEndpoint().toString()).collect(Collectors.toList());
  }

  public long term() {
    return shell.term();
  }

  public long committedIndex() {
    Node current = node;
    return current == null ? 0 : current.getLastCommittedIndex();
  }

  public long appliedIndex() {
    return shell.appliedIndex();
  }

  /** Whether this member is installing a snapshot received from the leader right now. */
  public boolean isInstallingSnapshot() {
    return shell.isLoadingSnapshot();
  }

  /** The voting members the leader has heard from within an election timeout (leader only; else empty). */
  public List<String> alivePeers() {
    Node current = node;
    return current == null || !current.isLeader() ? List.of()
        : current.listAlivePeers().stream().map(p -> p.getEndpoint().toString()).collect(Collectors.toList());
  }

  /**
   * Adds a voting member (leader only). jraft first lets the new member catch up, so it counts
   * towards the quorum only once it holds the log; {@code done} gets null on success or the reason.
   */
  public void addPeer(String peer, Consumer<String> done) {
    Node current = node;
    if (current == null) {
      done.accept("not started");
      return;
    }
    current.addPeer(peer(peer), status -> done.accept(status.isOk() ? null : status.toString()));
  }

  /** Removes a voting member (leader only); {@code done} gets null on success or the reason. */
  public void removePeer(String peer, Consumer<String> done) {
    Node current = node;
    if (current == null) {
      done.accept("not started");
      return;
    }
    current.removePeer(peer(peer), status -> done.accept(status.isOk() ? null : status.toString()));
  }

  /** The learners' (non-voting members') peer addresses, as jraft's current configuration has them. */
  public List<String> learners() {
    Node current = node;
    return current == null ? List.of()
        : current.listLearners().stream().map(p -> p.getEndpoint().toString()).collect(Collectors.toList());
  }

  /**
   * Adds a learner (leader only): it receives the log but never votes nor counts towards a quorum,
   * so jraft adds it at once, started or not; {@code done} gets null on success or the reason.
   */
  public void addLearner(String peer, Consumer<String> done) {
    Node current = node;
    if (current == null) {
      done.accept("not started");
      return;
    }
    current.addLearners(List.of(peer(peer)), status -> done.accept(status.isOk() ? null : status.toString()));
  }

  /** Removes a learner (leader only); {@code done} gets null on success or the reason. */
  public void removeLearner(String peer, Consumer<String> done) {
    Node current = node;
    if (current == null) {
      done.accept("not started");
      return;
    }
    current.removeLearners(List.of(peer(peer)), status -> done.accept(status.isOk() ? null : status.toString()));
  }

  /** The index of the last entry in this member's log (on the leader: the newest entry). */
  public long lastLogIndex() {
    Node current = node;
    return current instanceof NodeImpl impl ? impl.getLastLogIndex() : 0;
  }

  /**
   * On the leader, the highest log index known to be replicated to {@code peer} (a voter or a
   * learner): 0 until the peer has acknowledged an append, -1 when this member is not the leader
   * or replicates nothing to that peer (jraft creates a replicator only once it could connect, so
   * a peer that has not started yet gives -1).
   */
  public long matchIndex(String peer) {
    Node current = node;
    if (REPLICATOR_GROUP == null || !(current instanceof NodeImpl impl) || !current.isLeader()) {
      return -1;
    }
    try {
      ReplicatorGroup group = (ReplicatorGroup) REPLICATOR_GROUP.get(impl);
      ThreadId replicator = group == null ? null : group.getReplicator(peer(peer));
      if (replicator == null) {
        return -1;
      }
      // jraft answers 0 until the first append succeeded, else the next index it will send.
      long next = Replicator.getNextIndex(replicator);
      return next == 0 ? 0 : next - 1;
    } catch (IllegalAccessException e) {
      return -1;
    }
  }

  private static Field replicatorGroupField() {
    try {
      Field field = NodeImpl.class.getDeclaredField("replicatorGroup");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("cannot read jraft's replication progress ({}); learners will never count as caught up", e.toString());
      return null;
    }
  }

  /** Hands leadership to the member at {@code peer}; the transfer completes asynchronously. */
  public boolean transferLeadershipTo(String peer) {
    Node current = node;
    return current != null && current.transferLeadershipTo(peer(peer)).isOk();
  }

  /** The entries this member's log holds (has written) after {@code index}. */
  private RaftLogInspector.LogScan logAfter(long index) {
    LogStorage log = logStorage;
    if (log == null) {
      throw new IllegalStateException("the Raft log is not open");
    }
    return RaftLogInspector.scan(log, index);
  }

  /**
   * Asks jraft for a snapshot. One asked for while another is being saved is refused (busy); when
   * the apply core still wants one, the request is repeated shortly, so a wanted snapshot is
   * taken even if no further entry is applied.
   */
  private void snapshotAsync() {
    Node current = node;
    if (current != null && snapshotAsked.compareAndSet(false, true)) {
      current.snapshot(status -> {
        snapshotAsked.set(false);
        if (!status.isOk() && node != null && core.snapshotWanted()) {
          CompletableFuture.delayedExecutor(SNAPSHOT_RETRY_MS, TimeUnit.MILLISECONDS).execute(this::snapshotAsync);
        }
      });
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (snapshotDownloadWatchdog != null) {
      snapshotDownloadWatchdog.close();
    }
    Node current = node;
    if (current != null) {
      current.shutdown();
      current.join();
      node = null;
    }
    transport.close();
    rpcServer.shutdown();
  }

  static PeerId peer(String hostPort) {
    PeerId peer = new PeerId();
    if (!peer.parse(hostPort)) {
      throw new IllegalArgumentException("not a peer address (host:port): " + hostPort);
    }
    return peer;
  }

  static Endpoint endpoint(String hostPort) {
    return peer(hostPort).getEndpoint();
  }
}
