package io.strata.server.watch;

import static io.strata.server.watch.WatchClient.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.storage.Backend;
import io.strata.storage.KvHistory;
import io.strata.storage.KvWriteTxn;
import io.strata.storage.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Everything at once, seeded: an "apply thread" writes while watchers come and go; stream queues
 * are tiny so watchers keep falling behind and catching up; the hub's hand-off is tiny so batches
 * are dropped and replaced by catch-up; some writes reach the store without the hub hearing of
 * them, followed by a snapshot-install notice; some clients read in bursts. Every watcher must
 * still see exactly the history of its range from its start: ordered, unique, no gaps, complete
 * revisions, prev_kv when asked.
 */
class WatchHubRandomizedTest {
  private static final String[] KEYS = {"a", "b", "c", "d/1", "d/2", "d/3", "e", "f"};

  @TempDir Path dir;

  private record Spec(String key, String rangeEnd, long start, boolean prevKv) {
    boolean contains(ByteString k) {
      return KvHistory.inRange(k.toByteArray(), key.getBytes(StandardCharsets.UTF_8),
          rangeEnd.getBytes(StandardCharsets.ISO_8859_1));
    }
  }

  private record Created(WatchClient client, long id, Spec spec, long from) {}

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void everyWatcherSeesExactlyItsHistory(long seed) throws Exception {
    Random random = new Random(seed);
    Backend backend = Backend.open(dir.resolve("db-" + seed));
    WatchHub hub = new WatchHub(backend, rev -> ResponseHeader.newBuilder().setRevision(rev).build(),
        WatchSettings.defaults(1 << 20).withQueueBounds(4, 8 * 1024).withHistoryStep(7, 2 * 1024)
            .withMaxPendingEvents(30));
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name).addService(new WatchService(hub)).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    List<WatchClient> clients = new ArrayList<>();
    try {
      List<Event> oracle = new CopyOnWriteArrayList<>();
      int revisions = 1200;
      CompletableFuture<Long> writer = CompletableFuture.supplyAsync(
          () -> applyThread(backend, hub, new Random(seed * 31), revisions, oracle));

      for (int i = 0; i < 4; i++) {
        clients.add(i < 2 ? WatchClient.open(channel) : WatchClient.paused(channel));
      }
      List<Created> watchers = new ArrayList<>();
      Map<WatchClient, Long> nextId = new HashMap<>();
      long lastBurst = 0;
      while (!writer.isDone() || watchers.size() < 12) {
        long current = oracle.isEmpty() ? 1 : oracle.get(oracle.size() - 1).getKv().getModRevision();
        if (watchers.size() < 12 && (writer.isDone() || current >= (watchers.size() + 1) * revisions / 14)) {
          WatchClient c = clients.get(random.nextInt(clients.size()));
          long id = nextId.merge(c, 1L, Long::sum);
          Spec spec = randomSpec(random, current);
          WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder().setWatchId(id)
              .setKey(bytes(spec.key())).setStartRevision(spec.start()).setPrevKv(spec.prevKv());
          if (!spec.rangeEnd().isEmpty()) {
            create.setRangeEnd(ByteString.copyFrom(spec.rangeEnd().getBytes(StandardCharsets.ISO_8859_1)));
          }
          c.create(create);
          watchers.add(new Created(c, id, spec, -1));
        }
        if (current >= lastBurst + 5) {
          lastBurst = current;
          clients.get(2 + random.nextInt(2)).read(1 + random.nextInt(3)); // bursts from slow readers
        }
        LockSupport.parkNanos(100_000); // a poll interval of the driver loop, not a synchronisation
      }
      long last = writer.get(60, TimeUnit.SECONDS);
      clients.forEach(WatchClient::readAll);

      // Collect every response per (client, watch id).
      Map<WatchClient, Map<Long, List<WatchResponse>>> received = new HashMap<>();
      Map<WatchClient, Map<Long, Long>> createdAt = new HashMap<>();
      for (Created w : watchers) {
        List<Event> want = expected(oracle, w.spec(), -1, last);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
          Long created = createdAt.computeIfAbsent(w.client(), k -> new HashMap<>()).get(w.id());
          List<WatchResponse> got = received.computeIfAbsent(w.client(), k -> new HashMap<>())
              .computeIfAbsent(w.id(), k -> new ArrayList<>());
          if (created != null) {
            long from = w.spec().start() == 0 ? created + 1 : w.spec().start();
            want = expected(oracle, w.spec(), from, last);
            if (got.stream().mapToInt(WatchResponse::getEventsCount).sum() >= want.size()) {
              check(w, from, got, want);
              break;
            }
          }
          long left = deadline - System.nanoTime();
          assertThat(left).as("watcher %s on time; got %s", w.spec(), got.size()).isPositive();
          WatchResponse r = w.client().next(Duration.ofNanos(left));
          if (r.getCreated()) {
            createdAt.computeIfAbsent(w.client(), k -> new HashMap<>()).put(r.getWatchId(), r.getHeader().getRevision());
          } else {
            received.computeIfAbsent(w.client(), k -> new HashMap<>())
                .computeIfAbsent(r.getWatchId(), k -> new ArrayList<>()).add(r);
          }
        }
      }
    } finally {
      clients.forEach(WatchClient::close);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      hub.close();
      backend.close();
    }
  }

  private static Spec randomSpec(Random random, long current) {
    long start = switch (random.nextInt(4)) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> 1 + random.nextInt((int) Math.max(1, current));
      default -> current + 1 + random.nextInt(20);
    };
    boolean prevKv = random.nextBoolean();
    return switch (random.nextInt(4)) {
      case 0 -> new Spec(KEYS[random.nextInt(KEYS.length)], "", start, prevKv);
      case 1 -> new Spec("d/", "d0", start, prevKv);
      case 2 -> new Spec("b", "e", start, prevKv);
      default -> new Spec("\0", "\0", start, prevKv);
    };
  }

  /** Writes like the apply thread; now and then lets writes bypass the hub, then tells it of an install. */
  private static long applyThread(Backend backend, WatchHub hub, Random random, int revisions, List<Event> oracle) {
    long index = 0;
    long last = 1;
    while (last < revisions) {
      boolean skipped = random.nextInt(150) == 0;
      int requests = 1 + random.nextInt(3);
      try (StoreBatch batch = backend.beginBatch()) {
        for (int r = 0; r < requests; r++) {
          KvWriteTxn txn = batch.beginKvTxn();
          Set<String> touched = new HashSet<>();
          int ops = random.nextInt(3) == 0 ? 3 : 1;
          for (int o = 0; o < ops; o++) {
            String key = KEYS[random.nextInt(KEYS.length)];
            if (!touched.add(key)) {
              continue;
            }
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(4) == 0) {
              txn.deleteRange(k, new byte[0]);
            } else {
              txn.put(k, bytes("v" + last + "." + o + "x".repeat(random.nextInt(300))), 0, txn.get(k));
            }
          }
          txn.end();
        }
        batch.setApplied(++index, 1);
        batch.commit();
        oracle.addAll(batch.events());
        last = batch.currentRevision();
        if (skipped) {
          hub.snapshotInstalled(index);
        } else {
          hub.committed(batch.events(), batch.currentRevision(), index);
        }
      }
    }
    return last;
  }

  private static List<Event> expected(List<Event> oracle, Spec spec, long from, long to) {
    List<Event> out = new ArrayList<>();
    for (Event e : oracle) {
      long rev = e.getKv().getModRevision();
      if (rev >= from && rev <= to && spec.contains(e.getKv().getKey())) {
        out.add(spec.prevKv() ? e : e.toBuilder().clearPrevKv().build());
      }
    }
    return out;
  }

  private static void check(Created w, long from, List<WatchResponse> got, List<Event> want) {
    List<Event> events = new ArrayList<>();
    Map<Long, Integer> responseOf = new HashMap<>();
    for (int i = 0; i < got.size(); i++) {
      WatchResponse r = got.get(i);
      assertThat(r.getCanceled()).as("%s canceled: %s", w.spec(), r).isFalse();
      for (Event e : r.getEventsList()) {
        Integer earlier = responseOf.putIfAbsent(e.getKv().getModRevision(), i);
        assertThat(earlier == null || earlier == i).as("%s: revision %d split across responses", w.spec(),
            e.getKv().getModRevision()).isTrue();
      }
      events.addAll(r.getEventsList());
    }
    assertThat(events).as("%s from %d: exactly its history", w.spec(), from).isEqualTo(want);
  }
}
