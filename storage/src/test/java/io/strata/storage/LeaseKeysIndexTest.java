package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.mvccpb.KeyValue;
import io.strata.api.version.Version;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rocksdb.RocksIterator;

/** The lease→keys index on a real RocksDB store: maintenance by version, drop and rebuild. */
class LeaseKeysIndexTest {
  private static final Version V1_1 = Version.parse("1.1");
  private static final Version V1_2 = Version.parse("1.2");

  @RegisterExtension final TempBackend store = new TempBackend();
  private Backend backend;

  @BeforeEach
  void open() {
    backend = store.backend();
  }

  @Test
  void atOnePointTwoEveryWriteKeepsTheIndexEqualToTheLiveLeasedKeys() {
    setStorageVersion(V1_2);
    write(txn -> txn.put(b("a"), v("1"), 7, null));
    write(txn -> txn.put(b("b\0x"), v("1"), 7, null));
    write(txn -> txn.put(b("c"), v("1"), 7, null));
    write(txn -> txn.put(b("c"), v("2"), 0, get("c")));      // lease dropped
    write(txn -> txn.put(b("d"), v("1"), 0, null));
    write(txn -> txn.put(b("d"), v("2"), 9, get("d")));      // lease added
    write(txn -> txn.put(b("e"), v("1"), 7, null));
    write(txn -> txn.deleteRange(b("e"), new byte[0]));     // deleted
    write(txn -> txn.put(b("f"), v("1"), 7, null));
    write(txn -> txn.put(b("f"), v("2"), 9, get("f")));      // moved to another lease
    write(txn -> txn.put(b("a"), v("2"), 7, get("a")));      // same lease again

    assertThat(indexEntries()).containsExactly("7:a", "7:b\0x", "9:d", "9:f");
    assertThat(indexEntries()).containsExactlyInAnyOrderElementsOf(scanEntries());
    List<String> attached = new ArrayList<>();
    try (ReadView view = backend.readView()) {
      assertThat(LeaseKeysIndex.maintainedIn(view)).isTrue();
      LeaseRecords.forEachAttachedKey(view, (lease, key) -> attached.add(lease + ":" + key.toStringUtf8()));
    }
    assertThat(attached).as("read from the index: by lease, then key").containsExactly("7:a", "7:b\0x", "9:d", "9:f");
    try (StoreBatch batch = backend.beginBatch()) {
      assertThat(LeaseKeysIndex.keysOf(batch, 7)).containsExactly(v("a"), v("b\0x"));
      assertThat(LeaseKeysIndex.keysOf(batch, 9)).containsExactly(v("d"), v("f"));
      assertThat(LeaseKeysIndex.keysOf(batch, 8)).isEmpty();
    }
  }

  @Test
  void belowOnePointTwoNothingIsIndexedAndReadersScanTheKvData() {
    setStorageVersion(V1_1);
    write(txn -> txn.put(b("a"), v("1"), 7, null));
    assertThat(indexEntries()).isEmpty();
    List<String> attached = new ArrayList<>();
    try (ReadView view = backend.readView()) {
      assertThat(LeaseKeysIndex.maintainedIn(view)).isFalse();
      LeaseRecords.forEachAttachedKey(view, (lease, key) -> attached.add(lease + ":" + key.toStringUtf8()));
    }
    assertThat(attached).containsExactly("7:a");
  }

  @Test
  void aDowngradeDropsTheIndexAndTheNextUpgradeRebuildsItFromTheWritesMadeInBetween() {
    setStorageVersion(V1_2);
    write(txn -> txn.put(b("gone-later"), v("1"), 7, null));
    write(txn -> txn.put(b("moved-later"), v("1"), 7, null));
    write(txn -> txn.put(b("stays"), v("1"), 7, null));
    Migration.run(backend, V1_1, s -> { });
    assertThat(indexEntries()).as("dropped on downgrade").isEmpty();

    // A 1.1 member does not maintain the index: these would make a surviving index stale.
    write(txn -> txn.deleteRange(b("gone-later"), new byte[0]));
    write(txn -> txn.put(b("moved-later"), v("2"), 9, get("moved-later")));
    write(txn -> txn.put(b("new"), v("1"), 7, null));

    List<String> progress = new ArrayList<>();
    Migration.run(backend, V1_2, progress::add);
    assertThat(progress).containsExactly("step 1.1 -> 1.2: added column family lease_keys (3 records),"
        + " added column family request_results (0 records)");
    assertThat(indexEntries()).containsExactly("7:new", "7:stays", "9:moved-later");
    try (StoreBatch batch = backend.beginBatch()) {
      assertThat(LeaseKeysIndex.keysOf(batch, 7)).containsExactly(v("new"), v("stays"));
    }
  }

  @Test
  void aRebuildReplacesStaleEntries() {
    try (StoreBatch batch = backend.beginBatch()) {
      LeaseKeysIndex.attach(batch, 5, b("stale"));
      StorageVersion.write(batch, V1_1);
      batch.commit();
    }
    write(txn -> txn.put(b("k"), v("1"), 5, null));
    Migration.run(backend, V1_2, s -> { });
    assertThat(indexEntries()).containsExactly("5:k");
  }

  @Test
  void theLayoutIsTheLeaseIdBigEndianThenTheUserKey() {
    assertThat(LeaseKeysIndex.key(0x10, b("a"))).containsExactly(0, 0, 0, 0, 0, 0, 0, 0x10, 0x61);
  }

  private void setStorageVersion(Version version) {
    try (StoreBatch batch = backend.beginBatch()) {
      StorageVersion.write(batch, version);
      batch.commit();
    }
  }

  private List<String> indexEntries() {
    List<String> entries = new ArrayList<>();
    try (ReadView view = backend.readView();
         RocksIterator it = view.iterator(ColumnFamily.LEASE_KEYS)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        entries.add(java.nio.ByteBuffer.wrap(key).getLong() + ":"
            + new String(key, Long.BYTES, key.length - Long.BYTES, StandardCharsets.UTF_8));
      }
    }
    return entries;
  }

  private List<String> scanEntries() {
    List<String> entries = new ArrayList<>();
    try (ReadView view = backend.readView();
         RocksIterator it = view.iterator(ColumnFamily.KV)) {
      LeaseRecords.scanAttachedKeys(it, (lease, key) -> entries.add(lease + ":" + key.toStringUtf8()));
    }
    return entries;
  }

  private void write(java.util.function.Consumer<KvWriteTxn> work) {
    store.write(work);
  }

  private KeyValue get(String key) {
    try (ReadView view = backend.readView()) {
      return view.get(b(key), 0);
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ByteString v(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
