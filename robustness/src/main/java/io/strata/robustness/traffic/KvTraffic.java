package io.strata.robustness.traffic;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.Compare.CompareResult;
import io.strata.api.etcdserverpb.Compare.CompareTarget;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.KVGrpc;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Random KV traffic through etcd's v3 API, recorded as a {@link History} for the checker.
 *
 * <p>Several clients, each one request at a time, over a small key set: linearizable gets and
 * ranges, puts of unique values, deletes, and CAS txns (compare on mod_revision, put on success,
 * get on failure). Bounded by an operation count and a duration (a deadline loop). Each client has
 * its own {@link Random} seeded from the seed and its number.
 *
 * <p>Failures: a read's failure is a definite error (a read applies nothing); a write's failure is
 * unknown (return = ∞) unless {@link ModelTranslation#failure} knows etcd rejected it before
 * proposing. After a failure a client moves to the next endpoint and its next request is a read,
 * so a member that is down yields one unknown write per client, not a stream of them.
 */
public final class KvTraffic {

  /** Key prefix of the traffic; the keys are {@code PREFIX + "k" + i}. */
  public static final String PREFIX = "/traffic/";

  public record Config(int clients, int keys, int maxOperations, Duration duration,
      Duration requestTimeout, long seed) {
    public Config {
      if (clients < 1 || keys < 1 || maxOperations < 1) {
        throw new IllegalArgumentException("clients, keys and maxOperations must be positive");
      }
    }

    public static Config of(long seed) {
      return new Config(4, 10, 100_000, Duration.ofSeconds(15), Duration.ofSeconds(2), seed);
    }

    public Config withClients(int n) {
      return new Config(n, keys, maxOperations, duration, requestTimeout, seed);
    }

    public Config withMaxOperations(int n) {
      return new Config(clients, keys, n, duration, requestTimeout, seed);
    }

    public Config withDuration(Duration d) {
      return new Config(clients, keys, maxOperations, d, requestTimeout, seed);
    }
  }

  /** Counts of a finished run; {@code succeeded} excludes definite errors and unknown outcomes. */
  public record Result(History history, int operations, int succeeded, int failed, int unknown,
      Duration elapsed) {
    public static Result of(History h, Duration elapsed) {
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
      return new Result(h, h.operations().size(), ok, failed, unknown, elapsed);
    }

    @Override
    public String toString() {
      return operations + " operations in " + elapsed.toMillis() + " ms: " + succeeded
          + " succeeded, " + failed + " failed, " + unknown + " unknown";
    }
  }

  private final Config config;
  private final List<? extends Channel> endpoints;
  private final HistoryRecorder recorder;
  private final AtomicInteger budget;
  private final AtomicBoolean stopped = new AtomicBoolean();

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

  /** Makes the clients stop after their current request. */
  public void stop() {
    stopped.set(true);
  }

  /**
   * Runs the clients until the duration or the operation budget is used up (or {@link #stop}),
   * and returns the history of a store that was empty at {@code initialRevision}.
   */
  public Result run(long initialRevision) throws InterruptedException {
    long started = System.nanoTime();
    long deadline = started + config.duration().toNanos();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> crashes = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < config.clients(); i++) {
      Client c = new Client(i);
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
    return Result.of(recorder.history(initialRevision),
        Duration.ofNanos(System.nanoTime() - started));
  }

  String key(int i) {
    return PREFIX + "k" + i;
  }

  /** One client: one request at a time. */
  final class Client {
    private final int id;
    private final Random random;
    private final Map<String, Long> lastModRevision = new HashMap<>();
    private int endpoint;
    private int sequence;
    private boolean probeNext;

    Client(int id) {
      this.id = id;
      this.random = new Random(config.seed() * 1_000_003L + id);
      this.endpoint = id % endpoints.size();
    }

    void runUntil(long deadline) {
      while (!stopped.get() && System.nanoTime() - deadline < 0
          && budget.getAndDecrement() > 0) {
        step();
      }
    }

    private KVGrpc.KVBlockingStub stub() {
      return KVGrpc.newBlockingStub(endpoints.get(endpoint))
          .withWaitForReady()
          .withDeadlineAfter(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private String uniqueValue() {
      return "c" + id + "-" + (sequence++);
    }

    void step() {
      String key = key(random.nextInt(config.keys()));
      int dice = probeNext ? 0 : random.nextInt(100);
      if (dice < 25) {
        RangeRequest r = RangeRequest.newBuilder().setKey(ModelTranslation.bytes(key)).build();
        call(ModelTranslation.request(r), s -> ModelTranslation.response(s.range(r)));
      } else if (dice < 35) {
        RangeRequest r = RangeRequest.newBuilder()
            .setKey(ModelTranslation.bytes(PREFIX))
            .setRangeEnd(ModelTranslation.bytes(
                io.strata.robustness.checker.KeyRange.prefix(PREFIX).end()))
            .build();
        call(ModelTranslation.request(r), s -> ModelTranslation.response(s.range(r)));
      } else if (dice < 65) {
        PutRequest r = PutRequest.newBuilder().setKey(ModelTranslation.bytes(key))
            .setValue(ModelTranslation.bytes(uniqueValue())).build();
        call(ModelTranslation.request(r), s -> ModelTranslation.response(s.put(r)));
      } else if (dice < 75) {
        DeleteRangeRequest r = DeleteRangeRequest.newBuilder()
            .setKey(ModelTranslation.bytes(key)).build();
        call(ModelTranslation.request(r), s -> ModelTranslation.response(s.deleteRange(r)));
      } else {
        TxnRequest r = casTxn(key, lastModRevision.getOrDefault(key, 0L), uniqueValue());
        call(ModelTranslation.request(r), s -> ModelTranslation.response(s.txn(r)));
      }
    }

    private void call(Request request, Function<KVGrpc.KVBlockingStub, Response> rpc) {
      long call = recorder.now();
      Response response;
      try {
        response = rpc.apply(stub());
      } catch (StatusRuntimeException e) {
        Response.Error definite = ModelTranslation.failure(request, e);
        if (definite == null) {
          recorder.unknown(id, call, request);
        } else {
          recorder.returned(id, call, request, definite);
        }
        endpoint = (endpoint + 1) % endpoints.size();
        probeNext = true;
        return;
      }
      recorder.returned(id, call, request, response);
      probeNext = false;
      learn(request, response);
    }

    /** Remembers the mod revisions the client saw, for its next CAS on the key. */
    private void learn(Request request, Response response) {
      if (response instanceof Response.Range r && request instanceof Request.Range q) {
        if (q.range().end().isEmpty() && r.kvs().isEmpty()) {
          lastModRevision.put(q.range().key(), 0L);
        }
        for (KeyValue kv : r.kvs()) {
          lastModRevision.put(kv.key(), kv.modRevision());
        }
      } else if (response instanceof Response.Put p && request instanceof Request.Put q) {
        lastModRevision.put(q.key(), p.revision());
      } else if (response instanceof Response.Delete && request instanceof Request.Delete q
          && q.range().end().isEmpty()) {
        lastModRevision.put(q.range().key(), 0L);
      } else if (response instanceof Response.Txn t && request instanceof Request.Txn q) {
        List<Request> branch = t.succeeded() ? q.success() : q.failure();
        for (int i = 0; i < branch.size() && i < t.responses().size(); i++) {
          learn(branch.get(i), t.responses().get(i));
        }
      }
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
