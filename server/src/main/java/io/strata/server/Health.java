package io.strata.server;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.AlarmMember;
import io.strata.api.etcdserverpb.AlarmType;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.server.logging.JsonText;
import io.strata.storage.ReadView;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health endpoints as etcd serves them; every check really reads, and waits at most the
 * timeout given (a stuck check fails, it never hangs the endpoint).
 * <ul>
 *   <li>{@code /health} (etcd 3.5/3.6): 200 {@code {"health":"true","reason":""}}, or 503 with
 *       the first failure: a raised alarm ({@code "ALARM NOSPACE"}, {@code "ALARM CORRUPT"};
 *       {@code ?exclude=NOSPACE} ignores one), no leader ({@code "RAFT NO LEADER"}), or a failed
 *       range ({@code "RANGE ERROR:<error>"}). The range is linearizable (a read-index through
 *       the leader), or with {@code ?serializable=true} a local read that skips the leader check.</li>
 *   <li>{@code /livez} (etcd 3.6): {@code serializable_read}, a read of the local store; it needs
 *       no quorum, so a member that lost its peers stays live.</li>
 *   <li>{@code /readyz} (etcd 3.6): {@code data_corruption} (no CORRUPT alarm),
 *       {@code serializable_read} and {@code linearizable_read}.</li>
 * </ul>
 * {@code /livez} and {@code /readyz} answer 200 {@code ok}, with {@code ?verbose} preceded by a
 * {@code [+]name ok} line per check; 503 lists every check with {@code [-]name failed: reason}
 * for the failed ones. {@code ?exclude=name} skips a check; {@code /readyz/name} runs one.
 *
 * <p>Threading: thread-safe; a request blocks its (HTTP) thread for at most the checks' timeouts.
 */
final class Health {
  private static final Logger LOG = LoggerFactory.getLogger(Health.class);
  static final String LIVEZ = "livez";
  static final String READYZ = "readyz";

  /** Told of every result, for etcd's health metrics. */
  interface Listener {
    /** A {@code /health} request answered healthy or not. */
    void healthChecked(boolean healthy);

    /** One named check of {@code /livez} or {@code /readyz} ({@code type}) ran. */
    void checkRan(String type, String name, boolean passed);
  }

  /** An HTTP answer. */
  record Reply(int status, String body) {}

  /** A check: completes normally when it passed, exceptionally with the reason when it failed. */
  interface Check {
    CompletableFuture<?> run();
  }

  private final Supplier<List<AlarmMember>> alarms;
  private final BooleanSupplier hasLeader;
  private final Check serializableRead;
  private final Check linearizableRead;
  private final Duration timeout;
  private final Listener listener;
  private final Map<String, Map<String, Check>> checks = new LinkedHashMap<>();

  Health(Supplier<List<AlarmMember>> alarms, BooleanSupplier hasLeader, Check serializableRead,
      Check linearizableRead, Duration timeout, Listener listener) {
    this.alarms = alarms;
    this.hasLeader = hasLeader;
    this.serializableRead = serializableRead;
    this.linearizableRead = linearizableRead;
    this.timeout = timeout;
    this.listener = listener;
    Map<String, Check> livez = new LinkedHashMap<>();
    livez.put("serializable_read", serializableRead);
    Map<String, Check> readyz = new LinkedHashMap<>();
    readyz.put("data_corruption", () -> raised(AlarmType.CORRUPT)
        ? CompletableFuture.failedFuture(new IllegalStateException("alarm activated: CORRUPT"))
        : CompletableFuture.completedFuture(null));
    readyz.put("serializable_read", serializableRead);
    readyz.put("linearizable_read", linearizableRead);
    checks.put(LIVEZ, livez);
    checks.put(READYZ, readyz);
  }

  /**
   * The member's reads: a keys-only range of one key on the local store ({@code executor} runs
   * it), after a read-index barrier for the linearizable one.
   */
  static Check localRead(MemberContext member, Executor executor) {
    RangeRequest probe = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("health")).setKeysOnly(true)
        .setLimit(1).build();
    return () -> CompletableFuture.runAsync(() -> {
      try (ReadView view = member.backend().readView()) {
        RangeEvaluator.evaluate(probe, view::range, view.currentRevision());
      }
    }, executor);
  }

  static Check linearizableRead(LinearizableReads reads, Check localRead) {
    return () -> reads.await().exceptionally(failure -> {
      throw new CompletionException(LinearizableReads.asStatus(unwrap(failure)));
    }).thenCompose(ready -> localRead.run());
  }

  /** {@code GET /health?query}. */
  Reply health(String query) {
    Map<String, List<String>> params = parse(query);
    boolean serializable = "true".equals(first(params, "serializable"));
    Set<String> excluded = new HashSet<>(params.getOrDefault("exclude", List.of()));
    String reason = alarmReason(excluded);
    if (reason == null && !serializable && !hasLeader.getAsBoolean()) {
      reason = "RAFT NO LEADER";
    }
    if (reason == null) {
      String failure = failureOf(serializable ? serializableRead : linearizableRead);
      reason = failure == null ? null : "RANGE ERROR:" + failure;
    }
    listener.healthChecked(reason == null);
    if (reason == null) {
      return new Reply(200, "{\"health\":\"true\",\"reason\":\"\"}");
    }
    String body = "{\"health\":\"false\",\"reason\":" + JsonText.quote(reason) + "}";
    LOG.warn("/health error: {}", body);
    return new Reply(503, body + "\n");
  }

  /**
   * {@code GET /livez} or {@code /readyz} ({@code type}), or one check of it when {@code check}
   * is not null; null when there is no such check (404).
   */
  Reply checks(String type, String check, String query) {
    Map<String, Check> all = checks.get(type);
    if (all == null || (check != null && !all.containsKey(check))) {
      return null;
    }
    Map<String, List<String>> params = parse(query);
    List<String> names = new ArrayList<>();
    if (check != null) {
      names.add(check);
    } else {
      Set<String> excluded = new HashSet<>(params.getOrDefault("exclude", List.of()));
      for (String name : all.keySet()) {
        if (!excluded.remove(name)) {
          names.add(name);
        }
      }
      if (!excluded.isEmpty()) {
        LOG.warn("some health checks cannot be excluded: {}", excluded);
      }
    }
    StringBuilder report = new StringBuilder();
    boolean passed = true;
    for (String name : names) {
      String failure = failureOf(all.get(name));
      listener.checkRan(type, name, failure == null);
      if (failure == null) {
        report.append("[+]").append(name).append(" ok\n");
      } else {
        passed = false;
        report.append("[-]").append(name).append(" failed: ").append(failure).append('\n');
      }
    }
    if (!passed) {
      LOG.warn("/{} check failed: {}", type, report.toString().trim().replace('\n', ' '));
      return new Reply(503, report + "\n");
    }
    return new Reply(200, (params.containsKey("verbose") ? report.toString() : "") + "ok\n");
  }

  private String alarmReason(Set<String> excluded) {
    for (AlarmMember alarm : alarms.get()) {
      String name = alarm.getAlarm().name();
      if (excluded.contains(name)) {
        continue;
      }
      return switch (alarm.getAlarm()) {
        case NOSPACE -> "ALARM NOSPACE";
        case CORRUPT -> "ALARM CORRUPT";
        default -> "ALARM UNKNOWN";
      };
    }
    return null;
  }

  private boolean raised(AlarmType type) {
    return alarms.get().stream().anyMatch(a -> a.getAlarm() == type);
  }

  /** Runs {@code check}, waiting at most the timeout: null when it passed, else why not. */
  private String failureOf(Check check) {
    CompletableFuture<?> running;
    try {
      running = check.run();
    } catch (RuntimeException e) {
      return describe(e);
    }
    try {
      running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return null;
    } catch (TimeoutException e) {
      running.cancel(false);
      return EtcdErrors.TIMEOUT.getStatus().getDescription();
    } catch (ExecutionException e) {
      return describe(unwrap(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String describe(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof StatusRuntimeException status && status.getStatus().getDescription() != null) {
      return status.getStatus().getDescription();
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.toString();
  }

  static Map<String, List<String>> parse(String query) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return params;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      List<String> values = params.computeIfAbsent(key, k -> new ArrayList<>());
      if (!value.isEmpty()) {
        values.add(value);
      }
    }
    return params;
  }

  private static String first(Map<String, List<String>> params, String key) {
    List<String> values = params.get(key);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
