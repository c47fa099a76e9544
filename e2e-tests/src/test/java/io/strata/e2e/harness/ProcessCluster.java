package io.strata.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of local processes on 127.0.0.1, one per member, each with its own directory
 * ({@code <cluster>/<name>/data} and {@code <cluster>/<name>/member.log}). Subclasses say which
 * command starts a member; the flags are etcd's and the same for every implementation.
 */
public abstract class ProcessCluster implements Cluster {
  /** Processes of every cluster in this JVM, killed by a shutdown hook if a test run is aborted. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "e2e-kill-members"));
  }

  private final ClusterSpec spec;
  private final Path directory;
  private final String token;
  private final List<ProcessMember> members = new ArrayList<>();
  private volatile boolean keepDirectory;
  private volatile ClusterTls tls;

  protected ProcessCluster(ClusterSpec spec, Path directory) {
    this.spec = spec;
    this.directory = directory;
    this.token = "e2e-" + directory.getFileName();
    for (int i = 0; i < spec.size(); i++) {
      ProcessMember m = new ProcessMember(i, "n" + (i + 1), FreePorts.next(), FreePorts.next(),
          FreePorts.next(), directory.resolve("n" + (i + 1)));
      if (spec.peerProxies()) {
        m.peerListenPort = FreePorts.next();
        m.proxy = new TcpProxy(m.peerPort, m.peerListenPort);
      }
      members.add(m);
    }
  }

  /**
   * Serves clients (and, when {@code tls} has peer certificates, peers) over TLS from the next start
   * of each member on: https URLs, etcd's TLS flags, and the harness's gRPC channels and etcdctl
   * present {@link ClusterTls#harnessClient()}. Call before {@link #startAll()} (e.g. from
   * {@link ClusterExtension#start(Backend, ClusterSpec, java.util.function.Consumer)}'s beforeStart);
   * members joining later inherit it unless given their own ({@link ProcessMember#useTls}).
   */
  public synchronized void useTls(ClusterTls tls) {
    this.tls = tls;
    members.forEach(m -> m.useTls(tls));
  }

  /** The cluster's TLS, or null for plaintext. */
  public ClusterTls tls() {
    return tls;
  }

  /** The proxy in front of {@code member}'s peer listener ({@link ClusterSpec#withPeerProxies()}). */
  public TcpProxy peerProxy(Member member) {
    ProcessMember m = own(member);
    if (m.proxy == null) {
      throw new IllegalStateException(m.name() + " has no peer proxy; use withPeerProxies()");
    }
    return m.proxy;
  }

  /** The command line that starts {@code member}, flags included. */
  protected abstract List<String> command(ProcessMember member, List<String> flags);

  /** How long a member may take from process start until it is ready. */
  protected abstract Duration startTimeout();

  /** How long a member may take to exit after SIGTERM. */
  protected Duration stopTimeout() {
    return Duration.ofSeconds(20);
  }

  public ClusterSpec spec() {
    return spec;
  }

  /** The {@code --initial-cluster-token} every member of this cluster is started with. */
  public String token() {
    return token;
  }

  @Override
  public List<ProcessMember> members() {
    return List.copyOf(members);
  }

  @Override
  public Path directory() {
    return directory;
  }

  /** etcd's flags for one member: the same on the first start and on every restart. */
  protected List<String> flags(ProcessMember m) {
    List<String> f = new ArrayList<>(List.of(
        "--name", m.name(),
        "--data-dir", m.dataDir().toString(),
        "--listen-client-urls", m.clientUrl(),
        "--advertise-client-urls", m.clientUrl(),
        "--listen-peer-urls", m.proxy == null ? m.peerUrl() : m.peerScheme() + "://127.0.0.1:" + m.peerListenPort,
        "--initial-advertise-peer-urls", m.peerUrl(),
        "--initial-cluster", m.joinCluster != null ? m.joinCluster
            : members.stream().filter(x -> x.joinCluster == null).map(x -> x.name() + "=" + x.peerUrl())
                .collect(Collectors.joining(",")),
        "--initial-cluster-state", m.joinCluster != null ? "existing" : "new",
        "--initial-cluster-token", token,
        "--listen-metrics-urls", m.metricsUrl(),
        "--heartbeat-interval", Long.toString(spec.heartbeatInterval().toMillis()),
        "--election-timeout", Long.toString(spec.electionTimeout().toMillis())));
    if (m.tls != null) {
      f.addAll(m.tls.flags());
    }
    spec.snapshotCount().ifPresent(n -> f.addAll(List.of("--snapshot-count", Long.toString(n))));
    spec.maxRequestBytes().ifPresent(n -> f.addAll(List.of("--max-request-bytes", Long.toString(n))));
    spec.maxTxnOps().ifPresent(n -> f.addAll(List.of("--max-txn-ops", Integer.toString(n))));
    List<String> extra = new ArrayList<>(spec.extraFlags());
    if (m.emulateVersion != null) {
      int at = extra.indexOf("--emulate-version");
      if (at >= 0) {
        extra.remove(at + 1);
        extra.remove(at);
      }
      extra.addAll(List.of("--emulate-version", m.emulateVersion));
    }
    f.addAll(extra);
    return f;
  }

  /**
   * A new member for this running cluster, configured the way {@code etcdctl member add} tells an
   * operator to start one: {@code --initial-cluster-state existing} and an initial cluster naming
   * {@code current} and itself. It is not started: add it to the cluster first, then {@link #start}.
   */
  public synchronized ProcessMember newJoiningMember(List<? extends Member> current) {
    int index = members.size();
    String name = "n" + (index + 1);
    ProcessMember joining = new ProcessMember(index, name, FreePorts.next(), FreePorts.next(),
        FreePorts.next(), directory.resolve(name));
    if (tls != null) {
      joining.useTls(tls);
    }
    joining.joinCluster = current.stream().map(x -> x.name() + "=" + x.peerUrl())
        .collect(Collectors.joining(",")) + "," + name + "=" + joining.peerUrl();
    members.add(joining);
    return joining;
  }

  /** Drops a member removed from the cluster, killing its process if it is still alive. */
  public synchronized void forget(Member member) {
    ProcessMember m = own(member);
    if (m.isRunning()) {
      kill(m);
    }
    members.remove(m);
  }

  /** Starts every member, then waits until each one reports a leader. */
  public void startAll() {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (ProcessMember m : members) {
      if (m.proxy != null) {
        m.proxy.start(); // before any member dials the advertised peer ports
      }
    }
    startTogether(members);
  }

  /**
   * Starts several stopped members at once, then waits until each one reports a leader: a
   * majority restarted after a crash finds no leader until enough of its members run.
   */
  public void startTogether(List<? extends Member> stopped) {
    List<ProcessMember> own = stopped.stream().map(this::own).toList();
    for (ProcessMember m : own) {
      if (m.isRunning()) {
        throw new IllegalStateException(m.name() + " is already running");
      }
    }
    own.forEach(this::launch);
    own.forEach(this::awaitReady);
  }

  @Override
  public void start(Member member) {
    startTogether(List.of(member));
  }

  /** Starts a stopped member and returns at once: for a member that is not expected to become ready. */
  public void startWithoutWaiting(Member member) {
    ProcessMember m = own(member);
    if (m.isRunning()) {
      throw new IllegalStateException(m.name() + " is already running");
    }
    launch(m);
  }

  @Override
  public void stop(Member member) {
    ProcessMember m = own(member);
    Process p = m.process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    if (!awaitExit(p, stopTimeout())) {
      p.destroyForcibly();
      awaitExit(p, Duration.ofSeconds(10));
      throw new AssertionError(m.name() + " (" + implementation() + ") did not exit within "
          + stopTimeout().toSeconds() + " s of SIGTERM; killed it. Log: " + m.logFile());
    }
    note(m, "stopped (SIGTERM), exit code " + p.exitValue());
  }

  @Override
  public void kill(Member member) {
    ProcessMember m = own(member);
    Process p = m.process;
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroyForcibly();
    if (!awaitExit(p, Duration.ofSeconds(20))) {
      throw new AssertionError(m.name() + " still alive 20 s after SIGKILL");
    }
    note(m, "killed (SIGKILL), exit code " + p.exitValue());
  }

  @Override
  public EtcdGrpc grpc(Member member) {
    ProcessMember m = own(member);
    synchronized (m) {
      if (m.grpc == null) {
        ClusterTls t = m.tls;
        m.grpc = t == null ? EtcdGrpc.connect(m.clientEndpoint())
            : EtcdGrpc.connectTls(m.clientEndpoint(), t.clientCa().cert(), t.harnessClient().cert(),
                t.harnessClient().key());
      }
      return m.grpc;
    }
  }

  /** etcdctl against one member; with TLS, at its https URL presenting the harness's certificate. */
  @Override
  public Etcdctl etcdctl(Member member) {
    return withTls(Etcdctl.forEndpoints(tls == null ? member.clientEndpoint() : member.clientUrl()));
  }

  /** etcdctl against all members; with TLS, at their https URLs presenting the harness's certificate. */
  @Override
  public Etcdctl etcdctl() {
    return withTls(Etcdctl.forEndpoints(tls == null ? endpoints()
        : members.stream().map(Member::clientUrl).collect(Collectors.joining(","))));
  }

  private Etcdctl withTls(Etcdctl etcdctl) {
    ClusterTls t = tls;
    return t == null ? etcdctl
        : etcdctl.withTls(t.clientCa().cert(), t.harnessClient().cert(), t.harnessClient().key());
  }

  @Override
  public void keepDirectoryOnClose(boolean keep) {
    this.keepDirectory = keep;
  }

  @Override
  public void dumpLogTails(int lines) {
    for (ProcessMember m : members) {
      System.err.println("----- last " + lines + " lines of " + m.logFile() + " -----");
      System.err.println(tail(m.logFile(), lines));
    }
  }

  @Override
  public void close() {
    for (ProcessMember m : members) {
      Process p = m.process;
      if (p != null && p.isAlive()) {
        p.destroy();
        if (!awaitExit(p, Duration.ofSeconds(5))) {
          p.destroyForcibly();
          awaitExit(p, Duration.ofSeconds(10));
        }
      }
      synchronized (m) {
        if (m.grpc != null) {
          m.grpc.close();
          m.grpc = null;
        }
      }
      if (m.proxy != null) {
        m.proxy.close();
      }
    }
    if (keepDirectory) {
      System.err.println("[e2e] kept " + implementation() + " cluster directory (data dirs and "
          + "member.log files): " + directory);
    } else {
      deleteRecursively(directory);
    }
  }

  /**
   * Freezes a member with SIGSTOP: its process stays, answers nothing, and keeps its sockets
   * open, as a long GC pause or a stalled VM would.
   */
  public void pause(Member member) {
    signal(own(member), "STOP");
    note(own(member), "paused (SIGSTOP)");
  }

  /** Lets a member paused by {@link #pause} run again (SIGCONT). */
  public void resume(Member member) {
    signal(own(member), "CONT");
    note(own(member), "resumed (SIGCONT)");
  }

  private static void signal(ProcessMember m, String signal) {
    Process p = m.process;
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(m.name() + " is not running");
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
          .redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * With {@link ClusterSpec#networkFaults()}, the member runs under a group id of its own
   * ({@code setpriv --regid}); the user stays the same, so it reads and writes what it did before.
   */
  private List<String> withGroup(ProcessMember m, List<String> command) {
    if (!spec.networkFaults()) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of(
        "setpriv", "--regid=" + m.groupId(), "--clear-groups", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private void launch(ProcessMember m) {
    List<String> command = new ArrayList<>(m.commandPrefix);
    command.addAll(command(m, flags(m)));
    command = withGroup(m, command);
    try {
      Files.createDirectories(m.dataDir().getParent());
      Files.writeString(m.logFile(),
          "===== [e2e] " + Instant.now() + " starting " + m.name() + ": " + String.join(" ", command)
              + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      ProcessBuilder pb = new ProcessBuilder(command)
          .directory(m.directory().toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(m.logFile().toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.environment().putAll(spec.environment());
      pb.environment().putAll(m.extraEnvironment);
      Process p = pb.start();
      LIVE.add(p);
      p.onExit().thenRun(() -> LIVE.remove(p));
      m.process = p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + m.name() + ": " + command, e);
    }
    // A fresh channel: the old one may sit in a long reconnect backoff after the member was down.
    synchronized (m) {
      if (m.grpc != null) {
        m.grpc.close();
        m.grpc = null;
      }
    }
  }

  /** Ready = the member answers Maintenance.Status with a non-zero leader. */
  private void awaitReady(ProcessMember m) {
    Process p = m.process;
    Waits.until(m.name() + " (" + implementation() + ", " + m.clientEndpoint()
            + ") to answer Status with a leader", startTimeout(),
        () -> {
          var s = grpc(m).status();
          return s.getLeader() != 0 ? s : null;
        },
        () -> p.isAlive() ? null
            : "process exited with code " + p.exitValue() + "; last lines of " + m.logFile() + ":\n"
                + tail(m.logFile(), 30));
  }

  private ProcessMember own(Member member) {
    if (!(member instanceof ProcessMember m) || !members.contains(m)) {
      throw new IllegalArgumentException(member + " is not a member of this cluster");
    }
    return m;
  }

  private static boolean awaitExit(Process p, Duration timeout) {
    try {
      return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return false;
    }
  }

  private static void note(ProcessMember m, String what) {
    try {
      Files.writeString(m.logFile(), "===== [e2e] " + Instant.now() + " " + m.name() + " " + what + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException ignored) {
      // only a marker in the log
    }
  }

  static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(no log)";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      System.err.println("[e2e] could not delete " + root + ": " + e);
    }
  }

  /** A member that is a local process; its ports and directory never change. */
  public static final class ProcessMember implements Member {
    /** Group ids of members start here; nothing else on the machine is expected to use them. */
    static final int MEMBER_GROUP_BASE = 31_001;
    private final int index;
    private final String name;
    private final int clientPort;
    private final int peerPort;
    private final int metricsPort;
    private final Path directory;
    private volatile Process process;
    private EtcdGrpc grpc;
    /** For a member that joins a running cluster: its --initial-cluster; null for founding members. */
    private volatile String joinCluster;
    /** With peer proxies: the port the member listens on for peers (it advertises {@link #peerPort}). */
    private int peerListenPort;
    private TcpProxy proxy;
    /** This member's TLS from its next start on; null for plaintext. */
    private volatile ClusterTls tls;
    /** This member's --emulate-version from its next start on, overriding the spec's; null for the spec's. */
    private volatile String emulateVersion;

    /** Prepended to this member's command from its next start on; empty for none. */
    private volatile List<String> commandPrefix = List.of();
    /** Added to this member's environment (over the spec's) from its next start on. */
    private volatile Map<String, String> extraEnvironment = Map.of();

    /**
     * From the next start on, run this member's command under {@code commandPrefix} (e.g. {@code
     * fiu-run -x -f CTL}) with {@code environment} added to the spec's (e.g. libfaketime's
     * variables); {@code runUnder(List.of(), Map.of())} returns to the plain command.
     */
    public void runUnder(List<String> commandPrefix, Map<String, String> environment) {
      this.commandPrefix = List.copyOf(commandPrefix);
      this.extraEnvironment = Map.copyOf(environment);
    }

    /**
     * From the next start on, serve with {@code tls} (null: plaintext), whatever the cluster's is:
     * e.g. a member whose peer certificate another CA signed.
     */
    public void useTls(ClusterTls tls) {
      this.tls = tls;
    }

    private String clientScheme() {
      return tls == null ? "http" : "https";
    }

    private String peerScheme() {
      return tls == null || !tls.peerTls() ? "http" : "https";
    }

    /** From the next start on, run this member as release {@code version} ("X.Y"; null: the spec's). */
    public void emulateVersion(String version) {
      this.emulateVersion = version;
    }

    ProcessMember(int index, String name, int clientPort, int peerPort, int metricsPort,
        Path directory) {
      this.index = index;
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
      this.metricsPort = metricsPort;
      this.directory = directory;
    }

    @Override
    public int index() {
      return index;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String clientEndpoint() {
      return "127.0.0.1:" + clientPort;
    }

    @Override
    public String clientUrl() {
      return clientScheme() + "://" + clientEndpoint();
    }

    @Override
    public String peerUrl() {
      return peerScheme() + "://127.0.0.1:" + peerPort;
    }

    /** With TLS, https: etcd serves the metrics URL with the client side's certificates. */
    @Override
    public String metricsUrl() {
      return clientScheme() + "://127.0.0.1:" + metricsPort;
    }

    @Override
    public Path directory() {
      return directory;
    }

    @Override
    public Path dataDir() {
      return directory.resolve("data");
    }

    @Override
    public Path logFile() {
      return directory.resolve("member.log");
    }

    @Override
    public boolean isRunning() {
      Process p = process;
      return p != null && p.isAlive();
    }

    /** The port of the peer listener. */
    public int peerPort() {
      return peerPort;
    }

    /**
     * The group id the member runs under when its cluster allows network faults: one per member,
     * unique within the (private) network namespace the test runs in.
     */
    public int groupId() {
      return MEMBER_GROUP_BASE + index;
    }

    /** The exit code of the last run once its process has exited; empty while it runs or before any. */
    public OptionalInt exitCode() {
      Process p = process;
      return p == null || p.isAlive() ? OptionalInt.empty() : OptionalInt.of(p.exitValue());
    }

    /** OS process id of the current run, or -1. */
    public long pid() {
      Process p = process;
      return p == null ? -1 : p.pid();
    }

    @Override
    public String toString() {
      return name + "@" + clientEndpoint();
    }
  }
}
