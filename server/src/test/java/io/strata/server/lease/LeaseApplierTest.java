package io.strata.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.strata.api.etcdserverpb.LeaseCheckpoint;
import io.strata.api.etcdserverpb.LeaseCheckpointRequest;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.api.records.LeaseRecord;
import io.strata.api.version.Version;
import io.strata.storage.Backend;
import io.strata.storage.KvWriteTxn;
import io.strata.storage.LeaseRecords;
import io.strata.storage.Migration;
import io.strata.storage.ReadView;
import io.strata.storage.StorageVersion;
import io.strata.storage.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease applier on a real RocksDB store. Puts are written the way the KV applier writes them
 * (a {@link KvWriteTxn} per request, attach/detach through the lessor as {@code LeaseKeys}).
 */
class LeaseApplierTest {
  @TempDir Path dir;
  private final FakeTicker clock = new FakeTicker();
  private Backend backend;
  private Lessor lessor;
  private LeaseApplier applier;
  private long index;
  /** Events of the last applied batch. */
  private List<Event> lastEvents = List.of();

  @BeforeEach
  void open() {
    backend = Backend.open(dir.resolve("db"));
    lessor = new Lessor(clock, 1, 3, TimeUnit.SECONDS);
    lessor.reload(backend);
    applier = new LeaseApplier(lessor, backend);
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  void aGrantPersistsTheLeaseAndAnswersWithItsIdTtlAndTheCurrentRevision() {
    put("k", "v", 0);
    ApplyResult result = grant(7, 60);
    assertThat(result.getLeaseGrant().getID()).isEqualTo(7);
    assertThat(result.getLeaseGrant().getTTL()).isEqualTo(60);
    assertThat(result.getLeaseGrant().getHeader().getRevision()).isEqualTo(2);
    assertThat(records()).containsExactly(LeaseRecord.newBuilder().setId(7).setTtl(60).build());
    assertThat(lessor.exists(7)).isTrue();
    assertThat(currentRevision()).as("a grant creates no revision").isEqualTo(2);
  }

  @Test
  void grantsAreRefusedAsEtcdRefusesThem() {
    grant(7, 60);
    assertError(grant(7, 10), Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
    assertError(grant(8, LeaseLimits.MAX_TTL_SECONDS + 1), Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL");
    assertError(grant(0, 10), Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
    assertThat(grant(9, LeaseLimits.MAX_TTL_SECONDS).hasLeaseGrant()).isTrue();
    assertThat(records()).extracting(LeaseRecord::getId).containsExactly(7L, 9L);
  }

  @Test
  void aRevokeDeletesExactlyTheLeasesKeysInOneRevision() {
    grant(1, 60);
    grant(2, 60);
    put("b", "1", 1);
    put("a", "1", 1);
    put("c", "2", 2);
    put("d", "none", 0);
    put("moved", "1", 1);
    put("moved", "now 2", 2); // overwritten with another lease: detached from 1
    put("dropped", "1", 1);
    put("dropped", "no lease", 0); // overwritten without a lease: detached from 1
    put("gone", "1", 1);
    deleteKey("gone");
    long before = currentRevision();

    ApplyResult result = revoke(1);

    assertThat(currentRevision()).as("one revision for all deletes").isEqualTo(before + 1);
    assertThat(result.getLeaseRevoke().getHeader().getRevision()).isEqualTo(before + 1);
    assertThat(lastEvents).extracting(e -> e.getKv().getKey().toStringUtf8()).containsExactly("a", "b");
    assertThat(lastEvents).allSatisfy(e -> {
      assertThat(e.getType()).isEqualTo(Event.EventType.DELETE);
      assertThat(e.getKv().getModRevision()).isEqualTo(before + 1);
      assertThat(e.getPrevKv().getLease()).isEqualTo(1);
    });
    assertThat(liveKeys()).containsExactly("c", "d", "dropped", "moved");
    assertThat(records()).extracting(LeaseRecord::getId).containsExactly(2L);
    assertThat(lessor.exists(1)).isFalse();
    assertThat(lessor.keysOf(2)).containsExactly(bytes("c"), bytes("moved"));
  }

  @Test
  void revokingALeaseWithoutKeysCreatesNoRevision() {
    grant(1, 60);
    long before = currentRevision();
    ApplyResult result = revoke(1);
    assertThat(result.getLeaseRevoke().getHeader().getRevision()).isEqualTo(before);
    assertThat(currentRevision()).isEqualTo(before);
    assertThat(lastEvents).isEmpty();
    assertThat(records()).isEmpty();
  }

  @Test
  void revokingAMissingLeaseIsNotFound() {
    assertError(revoke(5), Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
    grant(5, 10);
    revoke(5);
    assertError(revoke(5), Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
  }

  @Test
  void waitersSeeARevokedLeaseGoneOnlyOnceTheBatchIsDurable() {
    grant(1, 5);
    Lessor.Lease lease = tableEntry(1);
    try (StoreBatch batch = backend.beginBatch()) {
      applier.apply(Entry.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(1)).build(), ++index, batch);
      assertThat(lease.gone).isNotDone();
      batch.setApplied(index, 1);
      batch.commit();
      applier.committed(batch.events(), batch.currentRevision(), index);
    }
    assertThat(lease.gone).isDone();
  }

  @Test
  void theTableIsRebuiltFromTheStoreAtStartUp() {
    grant(1, 60);
    grant(2, 30);
    put("x", "1", 1);
    put("y", "1", 1);
    put("y", "2", 2);
    put("z", "2", 2);
    deleteKey("z");

    Lessor restarted = new Lessor(clock, 1, 3, TimeUnit.SECONDS);
    restarted.reload(backend);

    assertThat(restarted.ids()).containsExactly(1L, 2L);
    assertThat(restarted.keysOf(1)).containsExactly(bytes("x"));
    assertThat(restarted.keysOf(2)).containsExactly(bytes("y"));
    restarted.promote();
    assertThat(restarted.timeToLive(2, false).getGrantedTtl()).isEqualTo(30);
  }

  @Test
  void aSnapshotInstallReplacesTheTableAndWakesWaitersOfLeasesThatAreGone() {
    grant(1, 60);
    put("x", "1", 1);
    // State the snapshot does not have: a lease and a key attachment the store never saw.
    lessor.granted(99, 10);
    lessor.attach(1, bytes("phantom"));
    Lessor.Lease phantom = tableEntry(99);
    Lessor.Lease survivor = tableEntry(1);

    applier.snapshotInstalled(index);

    assertThat(phantom.gone).isDone();
    assertThat(lessor.exists(99)).isFalse();
    assertThat(tableEntry(1)).as("a surviving lease keeps its identity").isSameAs(survivor);
    assertThat(lessor.keysOf(1)).containsExactly(bytes("x"));
  }

  @Test
  void theSameEntriesGiveTheSameStoreOnAnotherMember() {
    List<ApplyResult> here = new ArrayList<>();
    here.add(grant(1, 60));
    here.add(grant(1, 60));
    put("k", "v", 1);
    here.add(revoke(1));
    List<LeaseRecord> recordsHere = records();
    long revisionHere = currentRevision();
    close();

    dir = dir.resolve("other");
    open();
    List<ApplyResult> there = new ArrayList<>();
    there.add(grant(1, 60));
    there.add(grant(1, 60));
    put("k", "v", 1);
    there.add(revoke(1));
    assertThat(there).isEqualTo(here);
    assertThat(records()).isEqualTo(recordsHere);
    assertThat(currentRevision()).isEqualTo(revisionHere);
  }

  @Test
  void afterADowngradeWritesAtTheOlderVersionAndAnUpgradeARevokeDeletesExactlyItsKeys() {
    setStorageVersion("1.2");
    grant(1, 60);
    grant(2, 60);
    put("a", "1", 1);
    put("moved-away", "1", 1);
    put("deleted", "1", 1);
    put("moved-in", "1", 2);
    put("other", "1", 2);
    Migration.run(backend, Version.parse("1.1"), s -> { });

    // A 1.1 member maintains no index: a stale one would miss "moved-in" and "new".
    put("moved-away", "2", 2);
    deleteKey("deleted");
    put("moved-in", "2", 1);
    put("new", "1", 1);
    Migration.run(backend, Version.parse("1.2"), s -> { });
    // The revoke must not lean on this member's table: a restarted member has only the store.
    Lessor restarted = new Lessor(clock, 1, 3, TimeUnit.SECONDS);
    restarted.reload(backend);
    lessor = restarted;
    applier = new LeaseApplier(lessor, backend);
    assertThat(lessor.keysOf(1)).containsExactly(bytes("a"), bytes("moved-in"), bytes("new"));

    revoke(1);

    assertThat(lastEvents).extracting(e -> e.getKv().getKey().toStringUtf8())
        .containsExactly("a", "moved-in", "new");
    assertThat(liveKeys()).containsExactly("moved-away", "other");
    put("later", "1", 2);
    revoke(2);
    assertThat(lastEvents).extracting(e -> e.getKv().getKey().toStringUtf8())
        .as("writes at 1.2 keep the rebuilt index current").containsExactly("later", "moved-away", "other");
    assertThat(liveKeys()).isEmpty();
  }

  @Test
  void aCheckpointRecordsTheRemainingTtlAndANewLeaderContinuesFromIt() {
    setStorageVersion("1.1");
    grant(1, 100);
    grant(2, 100);

    ApplyResult result = checkpoint(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(40).build(),
        LeaseCheckpoint.newBuilder().setID(99).setRemainingTTL(5).build());

    assertThat(result).isEqualTo(ApplyResult.getDefaultInstance());
    assertThat(records()).containsExactly(
        LeaseRecord.newBuilder().setId(1).setTtl(100).setRemainingTtl(40).build(),
        LeaseRecord.newBuilder().setId(2).setTtl(100).build());
    assertThat(tableEntry(1).remainingTtl).isEqualTo(40);

    // Another member, started from this store, becomes leader.
    Lessor next = new Lessor(clock, 1, 3, TimeUnit.SECONDS);
    next.useCheckpoints(ALLOWED);
    next.reload(backend);
    next.promote();
    assertThat(next.timeToLive(1, false).getRemainingTtl()).as("40 s + the extension").isEqualTo(41);
    assertThat(next.timeToLive(2, false).getRemainingTtl()).isEqualTo(101);
    clock.advance(Duration.ofSeconds(41));
    assertThat(next.expiredForRevoke(10)).containsExactly(1L);

    checkpoint(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(0).build());
    assertThat(records()).first().isEqualTo(LeaseRecord.newBuilder().setId(1).setTtl(100).build());
    assertThat(tableEntry(1).remainingTtl).isZero();
  }

  @Test
  void aCheckpointAppliedToDataOlderThanOnePointOneChangesNothing() {
    setStorageVersion("1.0");
    grant(1, 100);
    checkpoint(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(40).build());
    assertThat(records()).containsExactly(LeaseRecord.newBuilder().setId(1).setTtl(100).build());
    assertThat(tableEntry(1).remainingTtl).isZero();
  }

  @Test
  void aDowngradeBelowOnePointOneForgetsCheckpoints() {
    setStorageVersion("1.1");
    grant(1, 100);
    checkpoint(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(40).build());
    Migration.run(backend, Version.parse("1.0"), s -> { });
    assertThat(records()).containsExactly(LeaseRecord.newBuilder().setId(1).setTtl(100).build());
  }

  // ---------------------------------------------------------------------------------------------

  /** Checkpoints the cluster version allows; nothing is proposed in these tests. */
  private static final Checkpoints ALLOWED = new Checkpoints() {
    @Override
    public boolean allowed() {
      return true;
    }

    @Override
    public CompletableFuture<Void> propose(LeaseCheckpointRequest request) {
      throw new AssertionError("unexpected proposal " + request);
    }
  };

  private void setStorageVersion(String version) {
    try (StoreBatch batch = backend.beginBatch()) {
      StorageVersion.write(batch, Version.parse(version));
      batch.commit();
    }
  }

  private ApplyResult checkpoint(LeaseCheckpoint... checkpoints) {
    return apply(Entry.newBuilder().setLeaseCheckpoint(
        LeaseCheckpointRequest.newBuilder().addAllCheckpoints(List.of(checkpoints))).build());
  }

  private Lessor.Lease tableEntry(long id) {
    return lessor.lookup(id);
  }

  private ApplyResult grant(long id, long ttl) {
    return apply(Entry.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl)).build());
  }

  private ApplyResult revoke(long id) {
    return apply(Entry.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)).build());
  }

  private ApplyResult apply(Entry entry) {
    try (StoreBatch batch = backend.beginBatch()) {
      ApplyResult result = applier.apply(entry, ++index, batch);
      commit(batch);
      return result;
    }
  }

  /** A put as the KV applier applies it: one txn, attach to the new lease, detach from the old. */
  private void put(String key, String value, long lease) {
    assertThat(lease == 0 || lessor.exists(lease)).as("lease %d exists", lease).isTrue();
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      byte[] k = key.getBytes(StandardCharsets.UTF_8);
      KeyValue previous = txn.get(k);
      txn.put(k, bytes(value), lease, previous);
      if (previous != null && previous.getLease() != 0 && previous.getLease() != lease) {
        lessor.detach(previous.getLease(), bytes(key));
      }
      if (lease != 0) {
        lessor.attach(lease, bytes(key));
      }
      txn.end();
      ++index;
      commit(batch);
    }
  }

  private void deleteKey(String key) {
    try (StoreBatch batch = backend.beginBatch()) {
      KvWriteTxn txn = batch.beginKvTxn();
      for (KeyValue kv : txn.deleteRange(key.getBytes(StandardCharsets.UTF_8), new byte[0])) {
        if (kv.getLease() != 0) {
          lessor.detach(kv.getLease(), kv.getKey());
        }
      }
      txn.end();
      ++index;
      commit(batch);
    }
  }

  private void commit(StoreBatch batch) {
    batch.setApplied(index, 1);
    batch.commit();
    lastEvents = List.copyOf(batch.events());
    applier.committed(batch.events(), batch.currentRevision(), index);
  }

  private List<LeaseRecord> records() {
    try (ReadView view = backend.readView()) {
      return LeaseRecords.list(view);
    }
  }

  private long currentRevision() {
    try (ReadView view = backend.readView()) {
      return view.currentRevision();
    }
  }

  private List<String> liveKeys() {
    try (ReadView view = backend.readView()) {
      return view.range(new byte[] {0}, new byte[] {0}, 0, 0, true).kvs().stream()
          .map(kv -> kv.getKey().toStringUtf8()).toList();
    }
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static void assertError(ApplyResult result, Status.Code code, String message) {
    assertThat(result.hasError()).as("an error result: %s", result).isTrue();
    assertThat(result.getError().getGrpcCode()).isEqualTo(code.value());
    assertThat(result.getError().getMessage()).isEqualTo(message);
  }
}
