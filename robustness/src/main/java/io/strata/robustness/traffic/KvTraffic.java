package io.strata.robustness.traffic;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.Compare.CompareResult;
import io.strata.api.etcdserverpb.Compare.CompareTarget;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.robustness.checker.History;
import io.strata.robustness.checker.KeyValue;
import io.strata.robustness.checker.Operation;
import io.strata.robustness.checker.Request;
import io.strata.robustness.checker.Response;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Random traffic through etcd's v3 API, recorded as a {@link History} for the checker.
 *
 * <p>Several clients, each one request at a time, over a small key set, choosing each request by
 * the weights of a {@link Mix}: linearizable gets and ranges, puts of unique values, deletes, CAS
 * txns (compare on mod_revision, put on success, get on failure), reads at a revision the client
 * saw earlier, lease grants, puts attached to one of the client's leases, lease revokes, and
 * compactions a little behind the latest revision the client saw. Bounded by an operation count
 * and a duration (a deadline loop). Each client has its own {@link Random} seeded from the seed and
 * its number. Meanwhile {@link WatchTraffic} watchers record watch streams of the keys.
 *
 * <p>Failures: a read's failure is a definite error (a read applies nothing); a write's failure is
 * unknown (return = ∞) unless {@link ModelTranslation#failure} knows etcd rejected it. After a
 * failure that is not the member's answer to the request, a client moves to the next endpoint and
 * its next request is a get, so a member that is down yields one unknown write per client, not a
 * stream of them.
 */
public final class KvTraffic {

  /** Key prefix of the traffic; the keys are {@code PREFIX + "k" + i}. */
  public static final String PREFIX = "/traffic/";

  /**
   * Leases live far longer than any run, so none expires during one: the checker's model has no
   * time-based expiry, only revokes.
   */
  static final long LEASE_TTL_SECONDS = 600;
  /** Leases a client holds at most; a grant beyond revokes the oldest instead. */
  static final int MAX_LEASES_PER_CLIENT = 3;
  /** A compaction is at the latest revision the client saw minus 1 to this many revisions. */
  static final int COMPACTION_MAX_LAG = 20;
  /** Revisions a client remembers for reads at a past revision. */
  static final int REMEMBERED_REVISIONS = 32;

  /** The kinds of request a client chooses from. */
  public enum Kind {
    GET, RANGE, PUT, DELETE, CAS_TXN, PAST_READ, LEASE_GRANT, LEASE_PUT, LEASE_REVOKE, COMPACT
  }

  /** Weights of the request kinds (a kind is chosen with probability weight / sum; 0 = never). */
  public record Mix(Map<Kind, Integer> weights) {

    /** Everything, compactions at 1%. */
    public static final Mix DEFAULT = new Mix(Map.of(
        Kind.GET, 20, Kind.RANGE, 8, Kind.PUT, 22, Kind.DELETE, 8, Kind.CAS_TXN, 18,
        Kind.PAST_READ, 8, Kind.LEASE_GRANT, 3, Kind.LEASE_PUT, 8, Kind.LEASE_REVOKE, 4,
        Kind.COMPACT, 1));

    /** Gets, ranges, puts, deletes and CAS txns only: no leases, compactions or past reads. */
    public static final Mix KV_ONLY = new Mix(Map.of(
        Kind.GET, 25, Kind.RANGE, 10, Kind.PUT, 30, Kind.DELETE, 10, Kind.CAS_TXN, 25));

    public Mix {
      weights = Map.copyOf(weights);
      if (weights.values().stream().anyMatch(w -> w < 0)
          || weights.values().stream().mapToInt(Integer::intValue).sum() <= 0) {
        throw new IllegalArgumentException("weights must be non-negative, some positive: "
            + weights);
      }
    }

    public Mix with(Kind kind, int weight) {
      Map<Kind, Integer> w = new EnumMap<>(Kind.class);
      w.putAll(weights);
      w.put(kind, weight);
      return new Mix(w);
    }

    Kind pick(Random random) {
      int total = weights.values().stream().mapToInt(Integer::intValue).sum();
      int dice = random.nextInt(total);
      for (Kind k : Kind.values()) {
        dice -= weights.getOrDefault(k, 0);
        if (dice < 0) {
          return k;
        }
      }
      throw new AssertionError("dice beyond the total weight");
    }
  }

  /**
   * @param watchers watchers of the keys recording watch streams (0: none)
   * @param watchProgressInterval how often a watcher asks for progress
   */
  public record Config(int clients, int keys, int maxOperations, Duration duration,
      Duration requestTimeout, long seed, Mix mix, int watchers,
      Duration watchProgressInterval) {
    public Config {
      if (clients < 1 || keys < 1 || maxOperations < 1 || watchers < 0) {
        throw new IllegalArgumentException(
            "clients, keys and maxOperations must be positive, watchers not negative");
      }
    }

    /** The default mix with two watchers. */
    public Config(int clients, int keys, int maxOperations, Duration duration,
        Duration requestTimeout, long seed) {
      this(clients, keys, maxOperations, duration, requestTimeout, seed, Mix.DEFAULT, 2,
          Duration.ofMillis(100));
    }

    public static Config of(long seed) {
      return new Config(4, 10, 100_000, Duration.ofSeconds(15), Duration.ofSeconds(2), seed);
    }

    public Config withClients(int n) {
      return new Config(n, keys, maxOperations, duration, requestTimeout, seed, mix, watchers,
          watchProgressInterval);
    }

    public Config withMaxOperations(int n) {
      return new Config(clients, keys, n, duration, requestTimeout, seed, mix, watchers,
          watchProgressInterval);
    }

    public Config withDuration(Duration d) {
      return new Config(clients, keys, maxOperations, d, requestTimeout, seed, mix, watchers,
          watchProgressInterval);
    }

    public Config withMix(Mix m) {
      return new Config(clients, keys, maxOperations, duration, requestTimeout, seed, m,
          watchers, watchProgressInterval);
    }

    public Config withWatchers(int n) {
      return new Config(clients, keys, maxOperations, duration, requestTimeout, seed, mix, n,
          watchProgressInterval);
    }

    /** A watch stream silent this long is given up for another endpoint. */
    Duration watchStreamTimeout() {
      return requestTimeout.multipliedBy(2);
    }

    /** How long after the last request the watchers may take to catch up. */
    Duration watchCatchUp() {
      return requestTimeout.multipliedBy(5);
    }
  }

  /**
   * Counts of a finished run; {@code succeeded} excludes definite errors and unknown outcomes.
   * {@code lastRevision} is the highest header revision a client saw; {@code watchersCaughtUp} of
   * the {@code watchers} vouched for it (by an event or progress notification) before they were
   * stopped.
   */
  public record Result(History history, int operations, int succeeded, int failed, int unknown,
      Duration elapsed, int watchers, int watchersCaughtUp, long lastRevision) {
    public static Result of(History h, Duration elapsed, int watchers, int watchersCaughtUp,
        long lastRevision) {
      int ok = 0;
      int failed = 0;
      int unknown = 0;
      for (Operation op : h.operations()) {
        if (op.unknown()) {
          unknown++;
        } else if (op.failed()) {
          failed++;
        } else {
          ok++;
        }
      }
      return new Result(h, h.operations().size(), ok, failed, unknown, elapsed, watchers,
          watchersCaughtUp, lastRevision);
    }

    public boolean allWatchersCaughtUp() {
      return watchersCaughtUp == watchers;
    }

    @Override
    public String toString() {
      int events = history.watches().stream().flatMap(w -> w.responses().stream())
          .mapToInt(r -> r.events().size()).sum();
      return operations + " operations in " + elapsed.toMillis() + " ms: " + succeeded
          + " succeeded, " + failed + " failed, " + unknown + " unknown; " + watchers
          + " watchers (" + history.watches().size() + " streams, " + events + " events), "
          + watchersCaughtUp + " caught up to revision " + lastRevision;
    }
  }

  private final Config config;
  private final List<? extends Channel> endpoints;
  private final HistoryRecorder recorder;
  private final AtomicInteger budget;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final AtomicBoolean aborted = new AtomicBoolean();

  /** @param endpoints one channel per member; client {@code i} starts at {@code i % size}. */
  public KvTraffic(Config config, List<? extends Channel> endpoints) {
    this(config, endpoints, new HistoryRecorder());
  }

  public KvTraffic(Config config, List<? extends Channel> endpoints, HistoryRecorder recorder) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints");
    }
    this.config = config;
    this.endpoints = List.copyOf(endpoints);
    this.recorder = recorder;
    this.budget = new AtomicInteger(config.maxOperations());
  }

  /** Operations recorded so far (safe to call while {@link #run} runs in another thread). */
  public int recorded() {
    return recorder.size();
  }

  /** Makes the clients stop after their current request; the watchers then catch up. */
  public void stop() {
    stopped.set(true);
  }

  /** Stops the clients and the watchers without letting the watchers catch up (a failed run). */
  public void abort() {
    aborted.set(true);
    stopped.set(true);
  }

  /**
   * Runs the clients until the duration or the operation budget is used up (or {@link #stop}),
   * with the watchers watching from {@code initialRevision + 1}; then lets the watchers catch up to
   * the last revision a client saw, and returns the history of a store that was empty at {@code
   * initialRevision}.
   */
  public Result run(long initialRevision) throws InterruptedException {
    long started = System.nanoTime();
    long deadline = started + config.duration().toNanos();
    WatchTraffic watchers = new WatchTraffic(config.watchers(), config.clients(), endpoints,
        recorder, config.watchProgressInterval(), config.watchStreamTimeout());
    watchers.start(initialRevision + 1);
    try {
      runClients(initialRevision, deadline);
      History sofar = recorder.history(initialRevision);
      long lastRevision = sofar.operations().stream().filter(op -> !op.unknown())
          .mapToLong(op -> op.response().revision()).max().orElse(initialRevision);
      int caughtUp = aborted.get() ? 0 : watchers.finish(
          Math.max(initialRevision, lastRevision),
          System.nanoTime() + config.watchCatchUp().toNanos());
      return Result.of(recorder.history(initialRevision),
          Duration.ofNanos(System.nanoTime() - started), watchers.count(), caughtUp,
          Math.max(initialRevision, lastRevision));
    } finally {
      watchers.abort();
    }
  }

  private void runClients(long initialRevision, long deadline) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    List<Throwable> crashes = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < config.clients(); i++) {
      Client c = new Client(i, initialRevision);
      Thread t = new Thread(() -> {
        try {
          c.runUntil(deadline);
        } catch (RuntimeException | Error e) {
          crashes.add(e);
        }
      }, "traffic-client-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    // A client finishes its last request at most one request timeout after the deadline.
    long joinBy = deadline + config.requestTimeout().toNanos() * 2 + TimeUnit.SECONDS.toNanos(5);
    for (Thread t : threads) {
      long left = joinBy - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
      if (t.isAlive()) {
        stop();
        throw new IllegalStateException(t.getName() + " did not finish by its deadline");
      }
    }
    if (!crashes.isEmpty()) {
      IllegalStateException e = new IllegalStateException("a traffic client crashed");
      crashes.forEach(e::addSuppressed);
      throw e;
    }
  }

  String key(int i) {
    return PREFIX + "k" + i;
  }

  /**
   * One client: one request at a time. What it remembers (mod revisions and leases of keys, its
   * leases, revisions it saw) only steers its next requests; the checker never relies on it.
   */
  final class Client {
    private final int id;
    private final long initialRevision;
    private final Random random;
    private final Map<String, Long> lastModRevision = new HashMap<>();
    private final Map<String, Long> leaseOfKey = new HashMap<>();
    private final List<Long> leases = new ArrayList<>();
    private final ArrayDeque<Long> seenRevisions = new ArrayDeque<>();
    private long latestRevision;
    private int endpoint;
    private int sequence;
    private boolean probeNext;

    Client(int id, long initialRevision) {
      this.id = id;
      this.initialRevision = initialRevision;
      this.random = new Random(config.seed() * 1_000_003L + id);
      this.endpoint = id % endpoints.size();
      this.latestRevision = initialRevision;
    }

    void runUntil(long deadline) {
      while (!stopped.get() && System.nanoTime() - deadline < 0
          && budget.getAndDecrement() > 0) {
        step();
      }
    }

    private KVGrpc.KVBlockingStub kv() {
      return KVGrpc.newBlockingStub(endpoints.get(endpoint))
          .withWaitForReady()
          .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private LeaseGrpc.LeaseBlockingStub lease() {
      return LeaseGrpc.newBlockingStub(endpoints.get(endpoint))
          .withWaitForReady()
          .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private String uniqueValue() {
      return "c" + id + "-" + (sequence++);
    }

    void step() {
      String key = key(random.nextInt(config.keys()));
      Kind kind = probeNext ? Kind.GET : config.mix().pick(random);
      switch (kind) {
        case GET -> get(key, 0);
        case RANGE -> rangeAll(0);
        case PUT -> put(key, 0);
        case DELETE -> {
          DeleteRangeRequest r = DeleteRangeRequest.newBuilder()
              .setKey(ModelTranslation.bytes(key)).build();
          call(ModelTranslation.request(r), () -> ModelTranslation.response(kv().deleteRange(r)));
        }
        case CAS_TXN -> {
          TxnRequest r = casTxn(key, lastModRevision.getOrDefault(key, 0L), uniqueValue());
          call(ModelTranslation.request(r), () -> ModelTranslation.response(kv().txn(r)));
        }
        case PAST_READ -> pastRead(key);
        case LEASE_GRANT -> {
          if (leases.size() >= MAX_LEASES_PER_CLIENT) {
            revoke(leases.get(0));
          } else {
            grant();
          }
        }
        case LEASE_PUT -> {
          if (leases.isEmpty()) {
            grant();
          } else {
            put(key, leases.get(random.nextInt(leases.size())));
          }
        }
        case LEASE_REVOKE -> {
          if (leases.isEmpty()) {
            grant();
          } else {
            revoke(leases.get(random.nextInt(leases.size())));
          }
        }
        case COMPACT -> compact(key);
      }
    }

    private void get(String key, long revision) {
      RangeRequest r = RangeRequest.newBuilder().setKey(ModelTranslation.bytes(key))
          .setRevision(revision).build();
      call(ModelTranslation.request(r), () -> ModelTranslation.response(kv().range(r)));
    }

    private void rangeAll(long revision) {
      RangeRequest r = RangeRequest.newBuilder()
          .setKey(ModelTranslation.bytes(WatchTraffic.RANGE.key()))
          .setRangeEnd(ModelTranslation.bytes(WatchTraffic.RANGE.end()))
          .setRevision(revision)
          .build();
      call(ModelTranslation.request(r), () -> ModelTranslation.response(kv().range(r)));
    }

    private void put(String key, long lease) {
      PutRequest r = PutRequest.newBuilder().setKey(ModelTranslation.bytes(key))
          .setValue(ModelTranslation.bytes(uniqueValue())).setLease(lease).build();
      Response response =
          call(ModelTranslation.request(r), () -> ModelTranslation.response(kv().put(r)));
      if (response instanceof Response.Error e && e.message().contains("lease not found")) {
        leases.remove(lease);
      }
    }

    /** A get of the key or a range of all keys, at a revision this client saw earlier. */
    private void pastRead(String key) {
      if (seenRevisions.isEmpty()) {
        get(key, 0);
        return;
      }
      long revision = new ArrayList<>(seenRevisions).get(random.nextInt(seenRevisions.size()));
      if (random.nextBoolean()) {
        get(key, revision);
      } else {
        rangeAll(revision);
      }
    }

    private void grant() {
      LeaseGrantRequest r = LeaseGrantRequest.newBuilder().setTTL(LEASE_TTL_SECONDS).build();
      call(ModelTranslation.request(r), () -> ModelTranslation.response(lease().leaseGrant(r)));
    }

    /** Whatever the outcome, the client does not use the lease again. */
    private void revoke(long leaseId) {
      leases.remove(leaseId);
      LeaseRevokeRequest r = LeaseRevokeRequest.newBuilder().setID(leaseId).build();
      call(ModelTranslation.request(r), () -> ModelTranslation.response(lease().leaseRevoke(r)));
    }

    /** Never ahead of what the client saw, so the store has the revision. */
    private void compact(String key) {
      long revision = latestRevision - 1 - random.nextInt(COMPACTION_MAX_LAG);
      if (revision <= initialRevision) {
        get(key, 0);
        return;
      }
      CompactionRequest r = CompactionRequest.newBuilder().setRevision(revision).build();
      call(ModelTranslation.request(r), () -> ModelTranslation.response(kv().compact(r)));
    }

    /** Calls, records and learns; returns the response, a definite error, or null if unknown. */
    private Response call(Request request, Supplier<Response> rpc) {
      long call = recorder.now();
      Response response;
      try {
        response = rpc.get();
      } catch (StatusRuntimeException e) {
        Response.Error definite = ModelTranslation.failure(request, e);
        if (definite == null) {
          recorder.unknown(id, call, request);
        } else {
          recorder.returned(id, call, request, definite);
        }
        if (!ModelTranslation.answeredByTheMember(e)) {
          endpoint = (endpoint + 1) % endpoints.size();
          probeNext = true;
        }
        return definite;
      }
      recorder.returned(id, call, request, response);
      probeNext = false;
      see(response.revision());
      learn(request, response);
      return response;
    }

    private void see(long revision) {
      latestRevision = Math.max(latestRevision, revision);
      if (revision > initialRevision && !seenRevisions.contains(revision)) {
        seenRevisions.addLast(revision);
        if (seenRevisions.size() > REMEMBERED_REVISIONS) {
          seenRevisions.removeFirst();
        }
      }
    }

    /** Remembers mod revisions (for its next CAS on a key), keys' leases and granted leases. */
    private void learn(Request request, Response response) {
      if (response instanceof Response.Range r && request instanceof Request.Range q) {
        if (q.revision() != 0) {
          return;
        }
        if (q.range().end().isEmpty() && r.kvs().isEmpty()) {
          forget(q.range().key());
        }
        for (KeyValue kv : r.kvs()) {
          lastModRevision.put(kv.key(), kv.modRevision());
          leaseOfKey.put(kv.key(), kv.lease());
        }
      } else if (response instanceof Response.Put p && request instanceof Request.Put q) {
        lastModRevision.put(q.key(), p.revision());
        leaseOfKey.put(q.key(), q.lease());
      } else if (response instanceof Response.Delete && request instanceof Request.Delete q
          && q.range().end().isEmpty()) {
        forget(q.range().key());
      } else if (response instanceof Response.Txn t && request instanceof Request.Txn q) {
        List<Request> branch = t.succeeded() ? q.success() : q.failure();
        for (int i = 0; i < branch.size() && i < t.responses().size(); i++) {
          learn(branch.get(i), t.responses().get(i));
        }
      } else if (response instanceof Response.LeaseGrant g) {
        leases.add(g.id());
      } else if (request instanceof Request.LeaseRevoke q) {
        List<String> gone = leaseOfKey.entrySet().stream()
            .filter(e -> e.getValue() == q.id()).map(Map.Entry::getKey).toList();
        gone.forEach(this::forget);
      }
    }

    private void forget(String key) {
      lastModRevision.put(key, 0L);
      leaseOfKey.remove(key);
    }
  }

  /** If {@code key}'s mod_revision is {@code modRevision} (0: absent), put; otherwise get it. */
  static TxnRequest casTxn(String key, long modRevision, String value) {
    return TxnRequest.newBuilder()
        .addCompare(io.strata.api.etcdserverpb.Compare.newBuilder()
            .setKey(ModelTranslation.bytes(key))
            .setTarget(CompareTarget.MOD)
            .setResult(CompareResult.EQUAL)
            .setModRevision(modRevision))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(ModelTranslation.bytes(key)).setValue(ModelTranslation.bytes(value))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder()
            .setKey(ModelTranslation.bytes(key))))
        .build();
  }
}
