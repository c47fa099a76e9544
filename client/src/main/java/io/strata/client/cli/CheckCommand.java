package io.strata.client.cli;

import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.client.DurationConverter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stratactl check perf}: etcdctl's write load check. Writes 256-byte keys with 1 KiB values
 * under {@code --prefix} at the load's rate from the load's number of concurrent writers for
 * {@code --duration} (etcdctl's is always 60s), deletes them, and prints etcdctl's verdict lines:
 * throughput above 90% of the rate, slowest request under 500 ms, standard deviation under 100 ms.
 * Exits 1 if any fails.
 *
 * <pre>
 * load  rate/s  writers
 * s        150       50
 * m       1000      200
 * l       8000      500
 * xl     15000     1000
 * </pre>
 *
 * <p>Threading: the writers are a pool of threads sharing a few connections; a ticker thread
 * releases the rate's permits every 10 ms; the calling thread waits for both and reports.
 */
@Command(name = "check", description = "commands for checking properties of the etcd cluster", subcommands = CheckCommand.Perf.class)
final class CheckCommand extends GroupCommand {

  /** A load level: writes per second and concurrent writers. */
  record Load(int rate, int writers) {}

  static final Map<String, Load> LOADS =
      Map.of(
          "s", new Load(150, 50),
          "m", new Load(1000, 200),
          "l", new Load(8000, 500),
          "xl", new Load(15000, 1000));

  static final Map<String, String> LOAD_ALIASES =
      Map.of(
          "s", "s", "small", "s",
          "m", "m", "medium", "m",
          "l", "l", "large", "l",
          "xl", "xl", "xLarge", "xl");

  @Command(name = "perf", description = "Check the performance of the etcd cluster")
  static final class Perf extends CtlCommand {
    @Option(names = "--load", defaultValue = "s",
        description = "The performance check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)")
    String load;

    @Option(names = "--prefix", defaultValue = "/etcdctl-check-perf/", description = "The prefix for writing the performance check's keys.")
    String prefix;

    @Option(names = "--auto-compact", arity = "0..1", fallbackValue = "true", description = "Compact storage with last revision after test is finished.")
    boolean autoCompact;

    @Option(names = "--auto-defrag", arity = "0..1", fallbackValue = "true", description = "Defragment storage after test is finished.")
    boolean autoDefrag;

    @Option(names = "--duration", defaultValue = "60s", converter = DurationConverter.class,
        description = "How long to write (stratactl's addition; etcdctl always writes for 60s)")
    Duration duration;

    @Override
    int run() throws Exception {
      String model = LOAD_ALIASES.get(load);
      if (model == null) {
        throw CtlException.badFeature("unknown load option " + load);
      }
      Load config = LOADS.get(model);
      ClientSettings settings = settings();
      try (Connections connections = new Connections(settings)) {
        List<Connection> pool = new ArrayList<>();
        int connectionCount = Math.min(config.writers(), 8);
        for (int i = 0; i < connectionCount; i++) {
          pool.add(connections.connectAny(settings.endpoints()));
        }
        Connection first = pool.get(0);
        if (first.range(
                RangeRequest.newBuilder()
                    .setKey(KeyRanges.utf8(prefix))
                    .setRangeEnd(KeyRanges.prefixEnd(KeyRanges.utf8(prefix)))
                    .setLimit(1)
                    .build())
            .getKvsCount() > 0) {
          throw CtlException.invalidInput(
              "prefix " + GoFormat.quote(prefix) + " has keys. Delete with stratactl del --prefix "
                  + prefix + " first");
        }
        LoadResult result;
        try (Progress progress = Progress.elapsed(root().progressSink(spec), "Checking performance for " + duration.toSeconds() + "s")) {
          result = write(pool, config);
          progress.done();
        }
        DeleteRangeResponse deleted =
            first.deleteRange(
                DeleteRangeRequest.newBuilder()
                    .setKey(KeyRanges.utf8(prefix))
                    .setRangeEnd(KeyRanges.prefixEnd(KeyRanges.utf8(prefix)))
                    .build());
        if (autoCompact) {
          long revision = deleted.getHeader().getRevision();
          out().line("Compacting with revision " + revision);
          first.compact(CompactionRequest.newBuilder().setRevision(revision).setPhysical(true).build());
          out().line("Compacted with revision " + revision);
        }
        if (autoDefrag) {
          for (EndpointCommand.Target target : EndpointCommand.givenTargets(this)) {
            out().line("Defragmenting " + GoFormat.quote(target.shownAs()));
            connections.connect(target.url()).defragment();
            out().line("Defragmented " + GoFormat.quote(target.shownAs()));
          }
        }
        return report(result, config);
      }
    }

    /** What the writers saw. */
    record LoadResult(List<Double> latencies, Map<String, Integer> errors, double seconds) {}

    private LoadResult write(List<Connection> pool, Load config) throws InterruptedException {
      Semaphore permits = new Semaphore(0);
      long perTick = Math.max(1, config.rate() / 100);
      ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
      ExecutorService writers = Executors.newFixedThreadPool(config.writers());
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
      Map<String, Integer> errors = java.util.Collections.synchronizedMap(new TreeMap<>());
      byte[] value = new byte[1024];
      try {
        ticker.scheduleAtFixedRate(() -> permits.release((int) perTick), 0, 10, TimeUnit.MILLISECONDS);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < config.writers(); w++) {
          Connection connection = pool.get(w % pool.size());
          running.add(
              writers.submit(
                  () -> {
                    while (true) {
                      long left = end - System.nanoTime();
                      if (left <= 0 || !permits.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                        return null;
                      }
                      byte[] key = new byte[256];
                      ThreadLocalRandom.current().nextBytes(key);
                      long sent = System.nanoTime();
                      try {
                        connection.put(
                            PutRequest.newBuilder()
                                .setKey(KeyRanges.utf8(prefix).concat(com.google.protobuf.ByteString.copyFrom(key)))
                                .setValue(com.google.protobuf.ByteString.copyFrom(value))
                                .build());
                        latencies.add((System.nanoTime() - sent) / 1e9);
                      } catch (RpcException e) {
                        errors.merge(e.getMessage(), 1, Integer::sum);
                      }
                    }
                  }));
        }
        for (Future<?> writer : running) {
          try {
            writer.get();
          } catch (java.util.concurrent.ExecutionException e) {
            errors.merge(e.getCause().toString(), 1, Integer::sum);
          }
        }
      } finally {
        ticker.shutdownNow();
        writers.shutdownNow();
      }
      return new LoadResult(List.copyOf(latencies), Map.copyOf(errors), (System.nanoTime() - start) / 1e9);
    }

    private int report(LoadResult result, Load config) {
      boolean ok = true;
      if (!result.errors().isEmpty()) {
        out().line("FAIL: too many errors");
        new TreeMap<>(result.errors()).forEach((error, count) -> out().line("FAIL: ERROR(" + error + ") -> " + count));
        ok = false;
      }
      List<Double> latencies = result.latencies();
      double rps = latencies.size() / result.seconds();
      double slowest = latencies.stream().mapToDouble(Double::doubleValue).max().orElse(0);
      double mean = latencies.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      double variance = latencies.stream().mapToDouble(l -> (l - mean) * (l - mean)).average().orElse(0);
      double stddev = Math.sqrt(variance);
      if (rps / config.rate() <= 0.9) {
        out().line("FAIL: Throughput too low: " + ((int) rps + 1) + " writes/s");
        ok = false;
      } else {
        out().line("PASS: Throughput is " + ((int) rps + 1) + " writes/s");
      }
      if (slowest > 0.5) {
        out().line("Slowest request took too long: " + GoFormat.fixed(slowest, 6) + "s");
        ok = false;
      } else {
        out().line("PASS: Slowest request took " + GoFormat.fixed(slowest, 6) + "s");
      }
      if (stddev > 0.1) {
        out().line("Stddev too high: " + GoFormat.fixed(stddev, 6) + "s");
        ok = false;
      } else {
        out().line("PASS: Stddev is " + GoFormat.fixed(stddev, 6) + "s");
      }
      out().line(ok ? "PASS" : "FAIL");
      return ok ? ExitCodes.SUCCESS : ExitCodes.ERROR;
    }
  }
}
