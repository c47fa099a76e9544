package io.strata.server.watch;

import static io.strata.server.watch.WatchClient.bytes;
import static io.strata.server.watch.WatchClient.watch;
import static io.strata.server.watch.WatchClient.watchPrefix;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.storage.Backend;
import io.strata.storage.KvWriteTxn;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch hub and service over grpc-java's in-process transport, on a real RocksDB store fed the
 * way the apply thread feeds it: write a batch, commit, then {@link WatchHub#committed}.
 */
class WatchHubTest {
  static final ResponseHeader HEADER = ResponseHeader.newBuilder().setClusterId(11).setMemberId(22).setRaftTerm(3).build();

  @TempDir Path dir;
  private Backend backend;
  private WatchHub hub;
  private Server server;
  private ManagedChannel channel;
  private final List<WatchClient> clients = new ArrayList<>();
  private long index;

  void start(WatchSettings settings) throws IOException {
    backend = Backend.open(dir.resolve("db"));
    hub = new WatchHub(backend, rev -> HEADER.toBuilder().setRevision(rev).build(), settings);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(new WatchService(hub)).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  void start() throws IOException {
    start(WatchSettings.defaults(1_572_864));
  }

  @AfterEach
  void stop() throws InterruptedException {
    clients.forEach(WatchClient::close);
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (hub != null) {
      hub.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  WatchClient client() {
    WatchClient c = WatchClient.open(channel);
    clients.add(c);
    return c;
  }

  WatchClient pausedClient() {
    WatchClient c = WatchClient.paused(channel);
    clients.add(c);
    return c;
  }

  // ------------------------------------------------------------------ the basics

  @Test
  void aWatcherIsCreatedAtTheStoreRevisionAndGetsEachLaterRevisionInItsOwnResponse() throws IOException {
    start();
    put("a", "0"); // 2
    WatchClient c = client();
    c.create(watch("a"));
    WatchResponse created = c.next();
    assertThat(created).isEqualTo(WatchResponse.newBuilder()
        .setHeader(HEADER.toBuilder().setRevision(2)).setWatchId(0).setCreated(true).build());
    awaitSynced(1);
    put("b", "x"); // 3: another key
    put("a", "1"); // 4
    delete("a"); // 5
    WatchResponse put = c.next();
    assertThat(put.getHeader().getRevision()).isEqualTo(4);
    assertThat(put.getEventsList()).extracting(e -> e.getType() + " " + e.getKv().getValue().toStringUtf8()
        + (e.hasPrevKv() ? " prev" : "")).containsExactly("PUT 1");
    WatchResponse deleted = c.next();
    assertThat(deleted.getEvents(0).getType()).isEqualTo(Event.EventType.DELETE);
    assertThat(deleted.getEvents(0).getKv().getModRevision()).isEqualTo(5);
    assertThat(deleted.getHeader().getRevision()).isEqualTo(5);
  }

  @Test
  void theMetricCountsFollowStreamsAndWatchersUntilTheClientGoesAway() throws IOException {
    start();
    WatchClient c = client();
    c.create(watch("a"));
    c.create(watch("b"));
    awaitSynced(2);
    assertThat(List.of(hub.streamCount(), hub.watcherCount(), hub.slowWatcherCount())).containsExactly(1, 2, 0);
    c.close();
    awaitStats(s -> s.streams() == 0 && s.watchers() == 0);
    assertThat(List.of(hub.streamCount(), hub.watcherCount(), hub.slowWatcherCount())).containsExactly(0, 0, 0);
  }

  @Test
  void rangesPrefixesAndFromKeyWatchersSeeExactlyTheirKeys() throws IOException {
    start();
    WatchClient c = client();
    c.create(watchPrefix("p/"));
    c.create(WatchCreateRequest.newBuilder().setKey(bytes("m")).setRangeEnd(ByteString.copyFrom(new byte[] {0})));
    c.create(WatchCreateRequest.newBuilder().setRangeEnd(ByteString.copyFrom(new byte[] {0}))); // every key
    c.create(WatchCreateRequest.newBuilder().setKey(bytes("b")).setRangeEnd(bytes("d")));
    for (int i = 0; i < 4; i++) {
      assertThat(c.next().getCreated()).isTrue();
    }
    for (String key : List.of("a", "b", "c", "d", "p", "p/", "p/x", "p0", "z")) {
      put(key, "v");
    }
    List<String> seen = new ArrayList<>();
    while (seen.size() < 2 + 5 + 9 + 2) {
      WatchResponse r = c.next();
      r.getEventsList().forEach(e -> seen.add(r.getWatchId() + ":" + e.getKv().getKey().toStringUtf8()));
    }
    assertThat(seen.stream().filter(s -> s.startsWith("0:"))).containsExactly("0:p/", "0:p/x");
    assertThat(seen.stream().filter(s -> s.startsWith("1:"))).containsExactly("1:p", "1:p/", "1:p/x", "1:p0", "1:z");
    assertThat(seen.stream().filter(s -> s.startsWith("2:"))).hasSize(9);
    assertThat(seen.stream().filter(s -> s.startsWith("3:"))).containsExactly("3:b", "3:c");
  }

  @Test
  void aTxnRevisionArrivesAsOneResponseWithItsEventsInOrder() throws IOException {
    start();
    WatchClient c = client();
    c.create(watchPrefix("t/").setPrevKv(true));
    c.next();
    awaitSynced(1);
    put("t/2", "old");
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      putIn(txn, "t/1", "1");
      txn.deleteRange(utf8("t/2"), new byte[0]);
      putIn(txn, "t/3", "3");
      txn.end();
      commit(batch);
    }
    c.next(); // t/2 old
    WatchResponse txn = c.next();
    assertThat(txn.getEventsList()).extracting(e -> e.getType() + " " + e.getKv().getKey().toStringUtf8())
        .containsExactly("PUT t/1", "DELETE t/2", "PUT t/3");
    assertThat(txn.getEvents(1).getPrevKv().getValue().toStringUtf8()).isEqualTo("old");
  }

  @Test
  void prevKvIsSentOnlyWhenAskedAndFiltersDropEventTypes() throws IOException {
    start();
    WatchClient c = client();
    c.create(watch("k").setWatchId(1));
    c.create(watch("k").setWatchId(2).setPrevKv(true));
    c.create(watch("k").setWatchId(3).addFilters(WatchCreateRequest.FilterType.NOPUT));
    c.create(watch("k").setWatchId(4).addFilters(WatchCreateRequest.FilterType.NODELETE));
    for (int i = 0; i < 4; i++) {
      c.next();
    }
    put("k", "1");
    put("k", "2");
    delete("k");
    List<String> seen = new ArrayList<>();
    while (seen.size() < 3 + 3 + 1 + 2) {
      WatchResponse r = c.next();
      for (Event e : r.getEventsList()) {
        seen.add(r.getWatchId() + " " + e.getType() + (e.hasPrevKv() ? " prev=" + e.getPrevKv().getValue().toStringUtf8() : ""));
      }
    }
    assertThat(seen.stream().filter(s -> s.startsWith("1 "))).containsExactly("1 PUT", "1 PUT", "1 DELETE");
    assertThat(seen.stream().filter(s -> s.startsWith("2 "))).containsExactly("2 PUT", "2 PUT prev=1", "2 DELETE prev=2");
    assertThat(seen.stream().filter(s -> s.startsWith("3 "))).containsExactly("3 DELETE");
    assertThat(seen.stream().filter(s -> s.startsWith("4 "))).containsExactly("4 PUT", "4 PUT");
  }

  @Test
  void aStartRevisionInThePastCatchesUpInOneResponseThenFollowsLive() throws IOException {
    start();
    for (int i = 0; i < 10; i++) {
      put("h", "v" + i); // 2..11
    }
    WatchClient c = client();
    c.create(watch("h").setStartRevision(4).setPrevKv(true));
    assertThat(c.next().getHeader().getRevision()).isEqualTo(11);
    WatchResponse history = c.next();
    assertThat(history.getHeader().getRevision()).as("etcd: a catch-up response carries the store revision").isEqualTo(11);
    assertThat(history.getEventsList()).extracting(e -> e.getKv().getModRevision())
        .containsExactly(4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
    assertThat(history.getEvents(0).getPrevKv().getModRevision()).isEqualTo(3);
    put("h", "live"); // 12
    assertThat(c.next().getEvents(0).getKv().getModRevision()).isEqualTo(12);
  }

  @Test
  void aStartRevisionInTheFutureWaitsForIt() throws IOException {
    start();
    WatchClient c = client();
    c.create(watch("f").setStartRevision(4));
    c.next();
    put("f", "2");
    put("f", "3");
    put("f", "4");
    WatchResponse r = c.next();
    assertThat(r.getEvents(0).getKv().getModRevision()).isEqualTo(4);
  }

  @Test
  void aCompactedStartRevisionGetsEtcdsCompactedResponse() throws IOException {
    start();
    for (int i = 0; i < 5; i++) {
      put("c", "v" + i); // 2..6
    }
    compact(5);
    WatchClient c = client();
    c.create(watch("c").setStartRevision(4).setWatchId(7));
    assertThat(c.next().getCreated()).isTrue();
    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder()
        .setHeader(HEADER.toBuilder().setRevision(0)).setWatchId(7).setCompactRevision(5).setCanceled(true).build());
    // At the compact revision itself the history is still there.
    c.create(watch("c").setStartRevision(5).setWatchId(8));
    c.next();
    assertThat(c.next().getEventsList()).extracting(e -> e.getKv().getModRevision()).containsExactly(5L, 6L);
  }

  @Test
  void watchIdsAreAssignedFromZeroSkippingTakenOnesAndDuplicatesAreRefused() throws IOException {
    start();
    WatchClient c = client();
    c.create(watch("x").setWatchId(1));
    c.create(watch("x"));
    c.create(watch("x"));
    c.create(watch("x").setWatchId(1));
    assertThat(c.next().getWatchId()).isEqualTo(1);
    assertThat(c.next().getWatchId()).isEqualTo(0);
    assertThat(c.next().getWatchId()).isEqualTo(2);
    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder().setHeader(HEADER.toBuilder().setRevision(1))
        .setWatchId(-1).setCreated(true).setCanceled(true)
        .setCancelReason("mvcc: duplicate watch ID provided on the WatchStream").build());
    c.create(watch("b").setRangeEnd(bytes("a")));
    assertThat(c.next().getCancelReason()).isEqualTo("mvcc: watcher range is empty");
  }

  @Test
  void aCanceledWatcherGetsNothingMoreAndAnUnknownCancelIsIgnored() throws IOException {
    start();
    WatchClient c = client();
    c.create(watch("k"));
    c.next();
    awaitSynced(1);
    put("k", "1"); // 2
    assertThat(c.next().getEventsCount()).isEqualTo(1);
    c.cancel(0);
    c.cancel(42);
    WatchResponse canceled = c.next();
    put("k", "2");
    c.requestProgress();
    List<WatchResponse> rest = List.of(canceled, c.next());
    assertThat(rest.get(0)).isEqualTo(WatchResponse.newBuilder()
        .setHeader(HEADER.toBuilder().setRevision(2)).setWatchId(0).setCanceled(true).build());
    assertThat(rest.get(1)).as("the progress response comes next: no event, no answer to the unknown cancel")
        .isEqualTo(WatchResponse.newBuilder().setHeader(HEADER.toBuilder().setRevision(3)).setWatchId(-1).build());
  }

  @Test
  void periodicProgressGoesToWatchersThatAskedAndHadNoEvents() throws IOException {
    start(WatchSettings.defaults(1_572_864).withProgressNotifyInterval(Duration.ofMillis(100)));
    put("q", "0"); // 2
    WatchClient c = client();
    c.create(watch("q").setWatchId(5).setProgressNotify(true));
    c.create(watch("q").setWatchId(6));
    c.next();
    c.next();
    WatchResponse progress = c.next();
    assertThat(progress).isEqualTo(WatchResponse.newBuilder()
        .setHeader(HEADER.toBuilder().setRevision(2)).setWatchId(5).build());
  }

  @Test
  void largeResponsesAreFragmentedOnlyForWatchersThatAsked() throws IOException {
    start(WatchSettings.defaults(0).withFragmentBytes(300));
    WatchClient c = client();
    c.create(watchPrefix("f/").setWatchId(1).setFragment(true));
    c.create(watchPrefix("f/").setWatchId(2));
    c.next();
    c.next();
    awaitSynced(2);
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      for (int i = 0; i < 10; i++) {
        putIn(txn, "f/" + i, "x".repeat(50));
      }
      txn.end();
      commit(batch);
    }
    List<WatchResponse> fragments = c.eventsOf(1, 10);
    assertThat(fragments.size()).isGreaterThan(1);
    for (int i = 0; i < fragments.size(); i++) {
      WatchResponse f = fragments.get(i);
      assertThat(f.getFragment()).isEqualTo(i < fragments.size() - 1);
      assertThat(f.getSerializedSize()).isLessThan(300);
      if (i < fragments.size() - 1) {
        WatchResponse fuller = f.toBuilder().setFragment(true).addEvents(fragments.get(i + 1).getEvents(0)).build();
        assertThat(fuller.getSerializedSize()).as("each fragment is as full as it can be").isGreaterThanOrEqualTo(300);
      }
    }
    assertThat(fragments.stream().flatMap(f -> f.getEventsList().stream()).map(e -> e.getKv().getKey().toStringUtf8()))
        .containsExactly("f/0", "f/1", "f/2", "f/3", "f/4", "f/5", "f/6", "f/7", "f/8", "f/9");
    assertThat(c.eventsOf(2, 10)).hasSize(1);
  }

  @Test
  void aProgressRequestAnswersWithWatchIdMinusOneAtTheDispatchedRevision() throws IOException {
    start();
    WatchClient c = client();
    c.requestProgress();
    assertThat(c.next()).isEqualTo(WatchResponse.newBuilder()
        .setHeader(HEADER.toBuilder().setRevision(1)).setWatchId(-1).build());
    c.create(watch("k").setStartRevision(1));
    c.next();
    put("k", "v");
    c.requestProgress();
    assertThat(c.next().getEventsCount()).isEqualTo(1);
    assertThat(c.next().getHeader().getRevision()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ falling behind and catching up

  @Test
  void aClientThatNeverReadsHoldsBoundedMemoryAndOthersKeepGoing() throws IOException {
    start(WatchSettings.defaults(1_572_864).withQueueBounds(8, 64 * 1024).withHistoryStep(50, 32 * 1024));
    WatchClient slow = pausedClient();
    slow.create(watchPrefix("s/").setWatchId(1));
    slow.create(watch("s/3").setWatchId(2).setPrevKv(true));
    WatchClient fast = client();
    fast.create(watchPrefix("s/"));
    fast.next();
    int writes = 600;
    String value = "v".repeat(1000);
    for (int i = 0; i < writes; i++) {
      put("s/" + (i % 7), value + i);
    }
    assertThat(revisionsOf(fast, 0, writes)).isEqualTo(range(2, writes + 1));
    ServerWatchStream slowStream = hub.streams().stream()
        .filter(s -> s.watchers().stream().anyMatch(w -> w.id == 2)).findFirst().orElseThrow();
    assertThat(slowStream.queuedBytes()).as("a client that does not read holds bounded memory")
        .isLessThan(64 * 1024 + 2 * 32 * 1024);
    slow.readAll();
    List<Long> all = revisionsOf(slow, 1, writes);
    assertThat(all).as("no gap, no duplicate, in order").isEqualTo(range(2, writes + 1));
    assertThat(awaitStats(s -> s.synced() == 3).watchers()).isEqualTo(3);
  }

  @Test
  void afterASnapshotInstallEveryWatcherCatchesUpWhatTheInstallSkipped() throws IOException {
    start();
    WatchClient c = client();
    c.create(watchPrefix("i/"));
    c.next();
    awaitSynced(1);
    put("i/1", "a"); // 2, dispatched
    c.next();
    // The install brings revisions 3..5 that the apply path never announced.
    try (StoreBatch batch = backend.beginBatch()) {
      for (int i = 0; i < 3; i++) {
        KvWriteTxn txn = batch.beginKvTxn();
        putIn(txn, "i/" + i, "installed");
        txn.end();
      }
      batch.commit();
    }
    hub.snapshotInstalled(0);
    put("i/9", "after"); // 6
    List<Long> revisions = revisionsOf(c, 0, 4);
    assertThat(revisions).containsExactly(3L, 4L, 5L, 6L);
  }

  @Test
  void whenDispatchFallsBehindTheApplyPathBatchesAreReplacedByCatchUp() throws IOException, InterruptedException {
    start(WatchSettings.defaults(1_572_864).withMaxPendingEvents(3));
    WatchClient c = client();
    c.create(watchPrefix("o/").setPrevKv(true));
    c.next();
    awaitSynced(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    hub.onHubThread(() -> {
      held.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(held.await(20, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 20; i++) {
      put("o/" + (i % 3), "v" + i); // 2..21; most are dropped by the apply side
    }
    release.countDown();
    put("o/x", "last"); // 22
    assertThat(revisionsOf(c, 0, 21)).isEqualTo(range(2, 22));
  }

  @Test
  void closingTheStreamRemovesItsWatchers() throws IOException {
    start();
    WatchClient c = client();
    for (int i = 0; i < 5; i++) {
      c.create(watch("k" + i).setStartRevision(i % 2 == 0 ? 0 : 1));
      c.next();
    }
    assertThat(awaitStats(s -> s.watchers() == 5).streams()).isEqualTo(1);
    c.close();
    assertThat(awaitStats(s -> s.watchers() == 0 && s.streams() == 0).synced()).isZero();
  }

  @Test
  void closingTheHubEndsStreamsWithServerStopped() throws IOException {
    start();
    WatchClient c = client();
    c.create(watch("k"));
    c.next();
    hub.close();
    Throwable end = c.ended().orTimeout(20, TimeUnit.SECONDS).join();
    assertThat(Status.fromThrowable(end).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(Status.fromThrowable(end).getDescription()).isEqualTo("etcdserver: server stopped");
  }

  // ------------------------------------------------------------------ helpers

  /** Main revisions of the next {@code count} events of {@code watchId}, in the order received. */
  static List<Long> revisionsOf(WatchClient c, long watchId, int count) {
    List<Long> revisions = new ArrayList<>();
    for (WatchResponse r : c.eventsOf(watchId, count)) {
      r.getEventsList().forEach(e -> revisions.add(e.getKv().getModRevision()));
    }
    return revisions;
  }

  static List<Long> range(long first, long last) {
    List<Long> out = new ArrayList<>();
    for (long r = first; r <= last; r++) {
      out.add(r);
    }
    return out;
  }

  /** The watchers' registrations have reached the hub: from now on each revision comes live. */
  void awaitSynced(int watchers) {
    awaitStats(s -> s.synced() == watchers);
  }

  WatchHub.Stats awaitStats(Predicate<WatchHub.Stats> condition) {
    long deadline = System.nanoTime() + WatchClient.DEADLINE.toNanos();
    WatchHub.Stats stats;
    do {
      stats = hub.stats().orTimeout(20, TimeUnit.SECONDS).join();
      if (condition.test(stats)) {
        return stats;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a poll interval, not a synchronisation
    } while (System.nanoTime() < deadline);
    throw new AssertionError("hub never reached the expected state; last " + stats);
  }

  long put(String key, String value) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      putIn(txn, key, value);
      txn.end();
      return commit(batch);
    }
  }

  long delete(String key) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      txn.deleteRange(utf8(key), new byte[0]);
      txn.end();
      return commit(batch);
    }
  }

  void compact(long revision) {
    try (StoreBatch batch = backend.beginBatch()) {
      batch.scheduleCompaction(revision);
      commit(batch);
    }
  }

  static void putIn(KvWriteTxn txn, String key, String value) {
    txn.put(utf8(key), bytes(value), 0, txn.get(utf8(key)));
  }

  /** Commits like the apply thread: durable first, then the listener. */
  long commit(StoreBatch batch) {
    batch.setApplied(++index, 1);
    batch.commit();
    hub.committed(batch.events(), batch.currentRevision(), index);
    return batch.currentRevision();
  }

  long storeRevision() {
    try (ReadView view = backend.readView()) {
      return view.currentRevision();
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
