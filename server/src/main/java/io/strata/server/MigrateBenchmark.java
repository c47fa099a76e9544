package io.strata.server;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.records.LeaseRecord;
import io.strata.api.version.Version;
import io.strata.storage.Backend;
import io.strata.storage.KvWriteTxn;
import io.strata.storage.LeaseRecords;
import io.strata.storage.Migration;
import io.strata.storage.StorageVersion;
import io.strata.storage.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures {@code strata migrate} on a large data directory: writes {@code --keys} keys (one in
 * {@code --leased-every} attached to one of {@code --leases} leases) into a fresh database as
 * storage version 1.1, upgrades it to 1.2 (which builds the lease->keys index from the kv data),
 * then runs the real {@code strata migrate} command 1.2 -> 1.0 and 1.0 -> 1.2, printing the time of
 * each. Run it with {@code scripts/bench-migrate.sh}; it is not a test.
 */
@Command(name = "migrate-benchmark", mixinStandardHelpOptions = true,
    description = "Time strata migrate on a generated data directory.")
public final class MigrateBenchmark implements Callable<Integer> {
  @Option(names = "--keys", defaultValue = "1000000", description = "Keys to generate (default ${DEFAULT-VALUE}).")
  long keys;

  @Option(names = "--leased-every", defaultValue = "10", description = "Every n-th key is attached to a lease.")
  int leasedEvery;

  @Option(names = "--leases", defaultValue = "1000", description = "Leases the leased keys are spread over.")
  int leases;

  @Option(names = "--value-bytes", defaultValue = "100", description = "Bytes per value.")
  int valueBytes;

  @Option(names = "--dir", required = true, description = "Data directory to create (must not exist).")
  Path dataDir;

  private static final int KEYS_PER_BATCH = 50_000;

  @Override
  public Integer call() throws Exception {
    if (Files.exists(dataDir)) {
      System.err.println("Error: " + dataDir + " exists");
      return 1;
    }
    long started = System.nanoTime();
    ByteString value = ByteString.copyFrom(new byte[valueBytes]);
    try (Backend backend = Backend.open(dataDir.resolve("db"))) {
      try (StoreBatch batch = backend.beginBatch()) {
        batch.putMember(Member.newBuilder().setID(1).setName("bench").addPeerURLs("http://127.0.0.1:2380").build());
        StorageVersion.write(batch, Version.parse("1.1"));
        for (int lease = 1; lease <= leases; lease++) {
          LeaseRecords.put(batch, LeaseRecord.newBuilder().setId(lease).setTtl(3600).setRemainingTtl(1800).build());
        }
        batch.commit();
      }
      for (long first = 0; first < keys; first += KEYS_PER_BATCH) {
        try (StoreBatch batch = backend.beginBatch()) {
          for (long i = first; i < Math.min(keys, first + KEYS_PER_BATCH); i++) {
            KvWriteTxn txn = batch.beginKvTxn();
            long lease = i % leasedEvery == 0 ? 1 + (i / leasedEvery) % leases : 0;
            txn.put(String.format("bench/%010d", i).getBytes(StandardCharsets.UTF_8), value, lease, null);
            txn.end();
          }
          batch.commit();
        }
      }
      System.out.printf("generated %,d keys (%,d leased, %,d leases) in %.1f s%n", keys,
          (keys + leasedEvery - 1) / leasedEvery, leases, seconds(started));
      long upgrade = System.nanoTime();
      Migration.run(backend, Version.parse("1.2"), step -> System.out.println("  " + step));
      System.out.printf("upgrade 1.1 -> 1.2 (in process): %.1f s%n", seconds(upgrade));
    }
    for (String target : new String[] {"1.0", "1.2"}) {
      long migrate = System.nanoTime();
      int exit = new CommandLine(new Strata()).execute("migrate", "--data-dir", dataDir.toString(), "--target-version", target);
      if (exit != 0) {
        System.err.println("Error: strata migrate to " + target + " exited with " + exit);
        return exit;
      }
      System.out.printf("RESULT strata migrate to %s, %,d keys: %.1f s%n", target, keys, seconds(migrate));
    }
    return 0;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new MigrateBenchmark()).execute(args));
  }
}
