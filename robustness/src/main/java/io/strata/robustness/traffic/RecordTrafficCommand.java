package io.strata.robustness.traffic;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.strata.robustness.checker.HistoryCodec;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code record-traffic --endpoints h:p,... --seed N --out FILE}: runs {@link KvTraffic} (clients
 * and watchers) against running etcd v3 endpoints and writes the history (JSON lines: operations
 * and watch streams) for {@code check-history}. The store's traffic prefix must be empty (the
 * history starts at the current revision).
 */
@Command(name = "record-traffic", mixinStandardHelpOptions = true,
    description = "Drives random KV, lease and watch traffic through etcd v3 endpoints and"
        + " records the history.")
public final class RecordTrafficCommand implements Callable<Integer> {

  @Option(names = "--endpoints", required = true, split = ",", description = "host:port,...")
  List<String> endpoints;

  @Option(names = "--seed", description = "random seed (default: the clock)")
  Long seed;

  @Option(names = "--clients", defaultValue = "4")
  int clients;

  @Option(names = "--keys", defaultValue = "10")
  int keys;

  @Option(names = "--ops", defaultValue = "100000", description = "at most this many operations")
  int ops;

  @Option(names = "--duration", defaultValue = "15", description = "seconds of traffic at most")
  long durationSeconds;

  @Option(names = "--watchers", defaultValue = "2", description = "watchers of the keys (0: none)")
  int watchers;

  @Option(names = "--kv-only",
      description = "gets, ranges, puts, deletes and CAS txns only: no leases, compactions or"
          + " reads at past revisions")
  boolean kvOnly;

  @Option(names = "--out", required = true, description = "history file to write")
  Path out;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter log = spec.commandLine().getOut();
    long s = seed != null ? seed : System.nanoTime();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (String e : endpoints) {
        channels.add(ManagedChannelBuilder.forTarget(e).usePlaintext().build());
      }
      long initialRevision = io.strata.api.etcdserverpb.KVGrpc.newBlockingStub(channels.get(0))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .range(io.strata.api.etcdserverpb.RangeRequest.newBuilder()
              .setKey(ModelTranslation.bytes("\0")).setRangeEnd(ModelTranslation.bytes("\0"))
              .setCountOnly(true).build())
          .getHeader().getRevision();
      KvTraffic.Config config = new KvTraffic.Config(clients, keys, ops,
          Duration.ofSeconds(durationSeconds), Duration.ofSeconds(2), s)
          .withWatchers(watchers)
          .withMix(kvOnly ? KvTraffic.Mix.KV_ONLY : KvTraffic.Mix.DEFAULT);
      KvTraffic.Result r = new KvTraffic(config, channels).run(initialRevision);
      try (Writer w = Files.newBufferedWriter(out)) {
        HistoryCodec.write(r.history(), w);
      }
      log.println("seed " + s + ": " + r + "; history in " + out);
      return 0;
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new RecordTrafficCommand()).execute(args));
  }
}
