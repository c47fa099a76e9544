package io.strata.client.bench;

import com.google.protobuf.ByteString;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.strata.client.DurationConverter;
import io.strata.client.Endpoint;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code strata-bench}: a load generator that speaks only etcd's public v3 gRPC API, so the same
 * run can be pointed at etcd and at Strata. Its options follow etcd's {@code benchmark} tool.
 *
 * <p>Threading: the command runs on the calling thread, which becomes the {@link LoadRunner}'s
 * dispatching thread; responses are handled on gRPC transport threads as {@link LoadRunner}
 * describes. An instance is used for one invocation.
 *
 * <p>Exit status: 0 when at least one request succeeded, 1 when every request failed (or the
 * range prefill failed), 2 for invalid arguments.
 */
@Command(
    name = "strata-bench",
    sortOptions = false,
    showDefaultValues = true,
    usageHelpAutoWidth = true,
    description = {
      "Benchmarks an etcd v3 API server (Strata or etcd) with a closed-loop load:"
          + " --clients concurrent requests over --conns gRPC channels.",
      "Prints one 'name: value' line per figure (or JSON with --json)."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:at least one request succeeded",
      "1:every request failed",
      "2:invalid arguments"
    })
public final class Benchmark implements Callable<Integer> {

  static final int EXIT_ALL_FAILED = 1;
  static final long DEFAULT_TOTAL = 10_000;

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean helpRequested;

  @Parameters(
      index = "0",
      paramLabel = "WORKLOAD",
      description = "put or range (single-key Range of keys from the key space)")
  Workload workload;

  @Option(
      names = "--endpoints",
      split = ",",
      defaultValue = "127.0.0.1:2379",
      converter = Endpoint.Converter.class,
      description = "Comma-separated host:port list; channel i connects to endpoint i mod count.")
  List<Endpoint> endpoints;

  @Option(names = "--conns", defaultValue = "1", description = "gRPC channels.")
  int conns;

  @Option(
      names = "--clients",
      defaultValue = "1",
      description = "Concurrent in-flight requests, spread over the channels.")
  int clients;

  @Option(names = "--key-size", defaultValue = "8", description = "Key size in bytes.")
  int keySize;

  @Option(names = "--val-size", defaultValue = "8", description = "Value size in bytes (put).")
  int valSize;

  @Option(
      names = "--key-space-size",
      defaultValue = "1",
      description = "Keys are chosen from this many distinct keys.")
  int keySpaceSize;

  @Option(
      names = "--sequential-keys",
      description = "Use keys 0, 1, 2, ... of the key space in order instead of at random.")
  boolean sequentialKeys;

  @Option(
      names = "--total",
      description = "Number of requests (default " + DEFAULT_TOTAL + " unless --duration is given).")
  Long total;

  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      description = "Issue requests for this long instead of --total requests, e.g. 10s, 2m.")
  Duration duration;

  @Option(
      names = "--warmup",
      converter = DurationConverter.class,
      description = "Run the workload this long first, unmeasured, so the JVM's JIT compiler and"
          + " the server's caches are warm, e.g. 3s. Default: no warm-up.")
  Duration warmup;

  @Option(
      names = "--consistency",
      defaultValue = "l",
      converter = Consistency.Converter.class,
      description = "range: l (linearizable) or s (serializable).")
  Consistency consistency;

  @Option(
      names = "--prefill",
      description = "range: first put every key of the key space once (not measured).")
  boolean prefill;

  @Option(
      names = "--request-timeout",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "Deadline of each request; a request past it counts as an error.")
  Duration requestTimeout;

  @Option(
      names = "--connect-timeout",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "How long to wait for the channels to connect before starting.")
  Duration connectTimeout;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the random key choice and value bytes, so runs are repeatable.")
  long seed;

  @Option(names = "--json", description = "Print the report as one JSON object.")
  boolean json;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line parser for a new {@link Benchmark}. */
  static CommandLine commandLine() {
    return new CommandLine(new Benchmark())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setParameterExceptionHandler(
            (error, args) -> {
              PrintWriter err = error.getCommandLine().getErr();
              err.println("strata-bench: " + error.getMessage());
              err.println("Run 'strata-bench --help' for usage.");
              err.flush();
              return error.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
            });
  }

  @Override
  public Integer call() throws InterruptedException {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // The measured requests depend on --seed alone, whether or not a prefill or warm-up runs, so
    // that two systems benchmarked with the same options see the same keys and values.
    SplittableRandom measuredRandom = new SplittableRandom(seed);
    SplittableRandom unmeasuredRandom = new SplittableRandom(~seed);
    List<ManagedChannel> channels = openChannels();
    try {
      awaitConnected(channels, err);
      LoadRunner runner = new LoadRunner(channels, clients, requestTimeout);
      if (workload == Workload.RANGE && prefill && !prefillKeySpace(runner, unmeasuredRandom, err)) {
        return EXIT_ALL_FAILED;
      }
      if (warmup != null) {
        warmUp(runner, requestSender(unmeasuredRandom), err);
      }
      RunResult result = runner.run(requestSender(measuredRandom), runLimit());
      BenchmarkReport report =
          new BenchmarkReport(
              workload,
              workload == Workload.RANGE ? Optional.of(consistency) : Optional.empty(),
              endpoints,
              conns,
              clients,
              keySize,
              valSize,
              keySpaceSize,
              result);
      out.print(json ? report.toJson() : report.toText());
      out.flush();
      return result.succeeded() == 0 ? EXIT_ALL_FAILED : 0;
    } finally {
      closeChannels(channels);
    }
  }

  /**
   * Rejects combinations picocli cannot check by itself.
   *
   * @throws ParameterException with a message naming the offending option
   */
  void validate() {
    requireAtLeast("--conns", conns, 1);
    requireAtLeast("--clients", clients, 1);
    requireAtLeast("--key-size", keySize, 1);
    requireAtLeast("--val-size", valSize, 0);
    requireAtLeast("--key-space-size", keySpaceSize, 1);
    if (total != null && duration != null) {
      throw usageError("--total and --duration are mutually exclusive");
    }
    if (total != null) {
      requireAtLeast("--total", total, 1);
    }
    requirePositive("--duration", duration);
    requirePositive("--warmup", warmup);
    requirePositive("--request-timeout", requestTimeout);
    requirePositive("--connect-timeout", connectTimeout);
    if (conns > clients) {
      throw usageError(
          "--conns ("
              + conns
              + ") must not exceed --clients ("
              + clients
              + "): extra channels would carry no load");
    }
    try {
      KeyGenerator.requireKeySizeFits(keySize, keySpaceSize);
    } catch (IllegalArgumentException e) {
      throw usageError("--key-size/--key-space-size: " + e.getMessage());
    }
    if (workload != Workload.RANGE) {
      for (String rangeOnly : List.of("--consistency", "--prefill")) {
        if (spec.commandLine().getParseResult().hasMatchedOption(rangeOnly)) {
          throw usageError(rangeOnly + " applies to the range workload only");
        }
      }
    }
  }

  /** The run limit the options ask for: --duration, else --total, else the default total. */
  RunLimit runLimit() {
    if (duration != null) {
      return RunLimit.duration(duration);
    }
    return RunLimit.requests(total != null ? total : DEFAULT_TOTAL);
  }

  private RequestSender requestSender(SplittableRandom random) {
    return switch (workload) {
      case PUT -> RequestSender.put(keyGenerator(random), randomValue(random));
      case RANGE -> RequestSender.range(keyGenerator(random), consistency);
    };
  }

  private KeyGenerator keyGenerator(SplittableRandom random) {
    return sequentialKeys
        ? KeyGenerator.sequential(keySize, keySpaceSize)
        : KeyGenerator.uniform(keySize, keySpaceSize, random.split());
  }

  private ByteString randomValue(SplittableRandom random) {
    byte[] value = new byte[valSize];
    random.split().nextBytes(value);
    return ByteString.copyFrom(value);
  }

  /** Runs the workload for --warmup, unmeasured, and tells the user how it went. */
  private void warmUp(LoadRunner runner, RequestSender sender, PrintWriter err)
      throws InterruptedException {
    RunResult warmedUp = runner.run(sender, RunLimit.duration(warmup));
    err.printf(
        "warmup: %d requests in %.3f s, %d errors%n",
        warmedUp.requests(), warmedUp.elapsedSeconds(), warmedUp.errors());
    err.flush();
  }

  /** Puts every key of the key space once, so the range workload reads existing keys. */
  private boolean prefillKeySpace(LoadRunner runner, SplittableRandom random, PrintWriter err)
      throws InterruptedException {
    RunResult prefilled =
        runner.run(
            RequestSender.put(KeyGenerator.sequential(keySize, keySpaceSize), randomValue(random)),
            RunLimit.requests(keySpaceSize));
    err.printf(
        "prefill: put %d keys in %.3f s, %d errors%n",
        prefilled.succeeded(), prefilled.elapsedSeconds(), prefilled.errors());
    if (prefilled.errors() > 0) {
      err.println("prefill failed: " + prefilled.sampleError().orElse("unknown error"));
      err.flush();
      return false;
    }
    err.flush();
    return true;
  }

  private List<ManagedChannel> openChannels() {
    List<ManagedChannel> channels = new ArrayList<>(conns);
    for (int i = 0; i < conns; i++) {
      Endpoint endpoint = endpoints.get(i % endpoints.size());
      channels.add(
          Grpc.newChannelBuilderForAddress(
                  endpoint.host(), endpoint.port(), InsecureChannelCredentials.create())
              // Completions only record and re-queue a client: run them on the transport thread.
              .directExecutor()
              .build());
    }
    return channels;
  }

  /**
   * Connects every channel before the clock starts, so the first requests do not pay for TCP and
   * HTTP/2 setup. A channel that is not ready in time is reported and used anyway: its requests
   * fail or succeed on their own and are counted.
   */
  private void awaitConnected(List<ManagedChannel> channels, PrintWriter err)
      throws InterruptedException {
    long deadlineNanos = System.nanoTime() + connectTimeout.toNanos();
    for (int i = 0; i < channels.size(); i++) {
      ManagedChannel channel = channels.get(i);
      ConnectivityState state = channel.getState(true);
      while (state != ConnectivityState.READY) {
        long remainingNanos = deadlineNanos - System.nanoTime();
        if (remainingNanos <= 0) {
          err.printf(
              "warning: channel %d to %s is %s after %d ms; starting anyway%n",
              i, endpoints.get(i % endpoints.size()), state, connectTimeout.toMillis());
          err.flush();
          break;
        }
        CountDownLatch changed = new CountDownLatch(1);
        channel.notifyWhenStateChanged(state, changed::countDown);
        if (state == ConnectivityState.IDLE || state == ConnectivityState.TRANSIENT_FAILURE) {
          channel.getState(true); // ask for a (re)connect
        }
        changed.await(remainingNanos, TimeUnit.NANOSECONDS);
        state = channel.getState(false);
      }
    }
  }

  private static void closeChannels(List<ManagedChannel> channels) throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void requireAtLeast(String option, long value, long minimum) {
    if (value < minimum) {
      throw usageError(option + " must be at least " + minimum + ", got " + value);
    }
  }

  private void requirePositive(String option, Duration value) {
    if (value != null && (value.isNegative() || value.isZero())) {
      throw usageError(option + " must be positive, got " + value);
    }
  }

  private ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
