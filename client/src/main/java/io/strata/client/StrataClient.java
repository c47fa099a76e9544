package io.strata.client;

import io.grpc.ManagedChannel;
import io.strata.client.internal.Channels;
import io.strata.client.internal.ClientConfig;
import io.strata.client.internal.EndpointPool;
import io.strata.client.internal.Invoker;
import io.strata.client.internal.LeaseKeepAlives;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Strata's Java client: etcd's v3 API (KV, Watch, Lease, Cluster, Maintenance, Auth) over gRPC,
 * spread over the members' endpoints, with failover, safe retries, resuming watches and lease
 * keep-alives. Build one per application with {@link #builder()} and share it; {@link #close}
 * releases its connections and threads and ends its watches and keep-alives.
 *
 * <p>Threading: thread-safe. Every call returns a {@code CompletableFuture} at once and never
 * blocks the caller; futures complete and listeners run on the client's executor (never on a
 * network thread). Joining a future on that executor (inside a listener or a callback) would tie
 * up one of its threads: chain instead ({@code thenCompose}).
 *
 * <p>Balancing and failover: calls go to the endpoints in turn. An endpoint that failed (no
 * connection, UNAVAILABLE, "no leader", "leader changed", "request timed out", a learner) is
 * skipped for a second while others are available. Reads are retried on the next endpoint
 * within the request timeout.
 *
 * <p>Retry contract for writes (Strata 1.2's idempotent writes): a put, delete, txn that can
 * write, lease grant or revoke carries a random request id ({@code strata-request-id}). When its
 * outcome is unknown (the member or the connection failed after it was sent), it is sent again with
 * the same id and the marker {@code strata-request-retry: 1}: a 1.2 cluster answers it with the
 * first result if the first attempt was applied, and applies it otherwise; a cluster that cannot
 * deduplicate it (cluster version below 1.2) refuses the marked retry instead of applying it, and
 * the call fails with {@link WriteOutcomeUnknownException}. Marked retries are only sent once a
 * member has shown it checks the marker (header {@code strata-request-retry-checked} on an answer;
 * etcd never sends it). Any other write is sent again only if its message provably never left
 * the client.
 */
public final class StrataClient implements AutoCloseable {
  private final ScheduledExecutorService scheduler;
  private final ExecutorService ownedExecutor;
  private final Channels channels;
  private final EndpointPool pool;
  private final LeaseKeepAlives keepAlives;
  private final KvClient kv;
  private final WatchClient watch;
  private final LeaseClient lease;
  private final ClusterClient cluster;
  private final MaintenanceClient maintenance;
  private final AuthClient auth;
  private final AtomicBoolean closed = new AtomicBoolean();

  private StrataClient(ClientConfig config, Function<Endpoint, ManagedChannel> opener) {
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("strata-client-timer"));
    this.ownedExecutor = Executors.newCachedThreadPool(daemonThreads("strata-client"));
    this.channels = opener == null ? new Channels(config, ownedExecutor) : new Channels(opener);
    SecureRandom random = new SecureRandom();
    this.pool = new EndpointPool(config.endpoints(), System::nanoTime, Duration.ofSeconds(1));
    Invoker invoker = new Invoker(config, pool,
        channels, scheduler, System::nanoTime, () -> {
          long id;
          do {
            id = random.nextLong();
          } while (id == 0);
          return id;
        });
    this.keepAlives = new LeaseKeepAlives(invoker, scheduler, ownedExecutor, System::nanoTime);
    this.kv = new KvClient(invoker);
    this.watch = new WatchClient(invoker, scheduler, ownedExecutor);
    this.lease = new LeaseClient(invoker, keepAlives);
    this.cluster = new ClusterClient(invoker);
    this.maintenance = new MaintenanceClient(invoker);
    this.auth = new AuthClient(invoker);
  }

  /**
   * Opens the connection to {@code endpoint} (one of the client's endpoints, or another member's,
   * e.g. for the per-member calls of {@link #maintenance()}) and completes once it can carry
   * calls, as etcdctl's dial does. One attempt: fails with UNAVAILABLE "connection failed" as soon
   * as it fails (refused, TLS handshake failed, host unknown), with DEADLINE_EXCEEDED when it has
   * not succeeded within {@code timeout}; a failed endpoint is skipped by calls for a while. Calls
   * do not need this (they connect on demand and move on to other endpoints); it is for tools that
   * want to know up front, or want to choose among endpoints.
   */
  public CompletableFuture<Void> connect(Endpoint endpoint, Duration timeout) {
    return channels.connect(endpoint, timeout, scheduler, ownedExecutor)
        .whenComplete((ok, failure) -> {
          if (failure != null) {
            pool.failed(endpoint);
          }
        });
  }

  public static Builder builder() {
    return new Builder();
  }

  public KvClient kv() {
    return kv;
  }

  public WatchClient watch() {
    return watch;
  }

  public LeaseClient lease() {
    return lease;
  }

  public ClusterClient cluster() {
    return cluster;
  }

  public MaintenanceClient maintenance() {
    return maintenance;
  }

  public AuthClient auth() {
    return auth;
  }

  /**
   * Ends every watch (their listeners get {@code onCompleted}) and keep-alive, fails calls in
   * flight, and releases connections and threads. Blocks for at most a few seconds. Calls made
   * afterwards fail with CANCELLED; closing again does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    watch.closeAll();
    keepAlives.close();
    channels.close();
    scheduler.shutdownNow();
    ownedExecutor.shutdown();
    try {
      ownedExecutor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Settings of a {@link StrataClient}. Defaults: plaintext, connect timeout 5 s, request timeout
   * 10 s (a call and all its retries), no HTTP/2 keep-alive pings, no auth, request ids on.
   *
   * <p>Threading: not thread-safe; use it on one thread, then {@link #build}.
   */
  public static final class Builder {
    private final List<Endpoint> endpoints = new ArrayList<>();
    private boolean httpsEndpoints;
    private boolean httpEndpoints;
    private boolean tls;
    private Path trustedCaFile;
    private Path certFile;
    private Path keyFile;
    private String serverName;
    private boolean insecureSkipVerify;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration keepAliveTime;
    private Duration keepAliveTimeout = Duration.ofSeconds(20);
    private ClientConfig.Credentials credentials;
    private boolean requestIds = true;

    private Builder() {}

    /**
     * The members' client endpoints: {@code host:port}, {@code http://host:port} or
     * {@code https://host:port} (which turns TLS on); not a mix of http and https.
     *
     * @throws IllegalArgumentException if one is not such an address
     */
    public Builder endpoints(String... endpoints) {
      return endpoints(Arrays.asList(endpoints));
    }

    /** As {@link #endpoints(String...)}. */
    public Builder endpoints(List<String> endpoints) {
      for (String text : endpoints) {
        Endpoint.Url url = Endpoint.parseUrl(text);
        httpsEndpoints |= url.scheme() == Endpoint.Scheme.HTTPS;
        httpEndpoints |= url.scheme() == Endpoint.Scheme.HTTP;
        this.endpoints.add(url.endpoint());
      }
      if (httpsEndpoints && httpEndpoints) {
        throw new IllegalArgumentException("endpoints mix http:// and https://: " + endpoints);
      }
      return this;
    }

    /** How long opening a connection to one endpoint may take. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connect timeout");
      return this;
    }

    /** The deadline of one call, its retries on other members included. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "request timeout");
      return this;
    }

    /**
     * Sends HTTP/2 keep-alive pings every {@code time} (even without calls) and drops a connection
     * whose ping got no answer within {@code timeout}, so a dead member is noticed on idle
     * streams. The member must allow pings that often (etcd allows one every 5 s).
     */
    public Builder keepAlive(Duration time, Duration timeout) {
      this.keepAliveTime = positive(time, "keep-alive time");
      this.keepAliveTimeout = positive(timeout, "keep-alive timeout");
      return this;
    }

    /** Logs in with etcd's Authenticate and sends the token with every call (again when it is refused). */
    public Builder credentials(String user, String password) {
      this.credentials = new ClientConfig.Credentials(Objects.requireNonNull(user, "user"),
          Objects.requireNonNull(password, "password"));
      return this;
    }

    /** Speaks TLS, trusting the JVM's trust store unless {@link #trustedCaFile} is given. */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /** TLS, trusting server certificates signed by the CA(s) in this PEM file. */
    public Builder trustedCaFile(Path caFile) {
      this.tls = true;
      this.trustedCaFile = Objects.requireNonNull(caFile, "caFile");
      return this;
    }

    /** TLS with this client certificate and its private key (PEM, PKCS#8), for client-cert auth. */
    public Builder clientCertificate(Path certFile, Path keyFile) {
      this.tls = true;
      this.certFile = Objects.requireNonNull(certFile, "certFile");
      this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
      return this;
    }

    /**
     * TLS without checking the server's certificate at all (neither its signer nor its name), as
     * etcdctl's {@code --insecure-skip-tls-verify}: the connection is encrypted but anyone can
     * pose as the server. For tests only. A client certificate, if given, is still shown.
     */
    public Builder insecureSkipVerify() {
      this.tls = true;
      this.insecureSkipVerify = true;
      return this;
    }

    /** Checks the server certificates against this name instead of each endpoint's host. */
    public Builder serverNameOverride(String name) {
      this.tls = true;
      this.serverName = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Whether writes carry request ids and are retried under the retry contract (default true);
     * false: a write whose outcome is unknown always fails with {@link WriteOutcomeUnknownException}.
     */
    public Builder requestIds(boolean enabled) {
      this.requestIds = enabled;
      return this;
    }

    /**
     * A client with these settings. Connections open on first use.
     *
     * @throws IllegalArgumentException if no endpoint was given, or http:// endpoints were asked for TLS
     * @throws java.io.UncheckedIOException if a TLS file cannot be read
     */
    public StrataClient build() {
      return build(null);
    }

    /** As {@link #build()}, with channels made by {@code opener} (tests: in-process channels). */
    StrataClient build(Function<Endpoint, ManagedChannel> opener) {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("no endpoints");
      }
      boolean useTls = tls || httpsEndpoints;
      if (useTls && httpEndpoints) {
        throw new IllegalArgumentException("TLS settings given for http:// endpoints; use https:// or host:port");
      }
      Optional<ClientConfig.Tls> tlsConfig = useTls
          ? Optional.of(new ClientConfig.Tls(Optional.ofNullable(trustedCaFile), Optional.ofNullable(certFile),
              Optional.ofNullable(keyFile), Optional.ofNullable(serverName), insecureSkipVerify))
          : Optional.empty();
      return new StrataClient(new ClientConfig(endpoints, tlsConfig, connectTimeout, requestTimeout,
          Optional.ofNullable(keepAliveTime), keepAliveTimeout, Optional.ofNullable(credentials), requestIds),
          opener);
    }

    private static Duration positive(Duration duration, String what) {
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + duration);
      }
      return duration;
    }
  }
}
