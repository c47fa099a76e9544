package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.mvccpb.KeyValue;
import io.strata.api.records.LeaseRecord;
import io.strata.api.version.SinceProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LeaseRecordsTest {
  @RegisterExtension final TempBackend store = new TempBackend();
  private Backend backend;

  @BeforeEach
  void open() {
    backend = store.backend();
  }

  @Test
  void recordsAreWrittenReadThroughTheBatchAndListedInIdOrder() {
    try (StoreBatch batch = backend.beginBatch()) {
      LeaseRecords.put(batch, record(0x20, 60));
      LeaseRecords.put(batch, record(0x10, 5));
      assertThat(LeaseRecords.get(batch, 0x10)).as("the batch sees its own writes").isEqualTo(record(0x10, 5));
      batch.commit();
    }
    try (StoreBatch batch = backend.beginBatch()) {
      LeaseRecords.delete(batch, 0x20);
      assertThat(LeaseRecords.get(batch, 0x20)).isNull();
      batch.commit();
    }
    try (ReadView view = backend.readView()) {
      assertThat(LeaseRecords.list(view)).containsExactly(record(0x10, 5));
    }
    assertThat(LeaseRecords.key(0x0102030405060708L)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void attachedKeysAreTheLiveKeysWhoseNewestVersionCarriesALease() {
    write(txn -> txn.put(b("a"), v("1"), 7, null));
    write(txn -> txn.put(b("b\0x"), v("1"), 7, null));
    write(txn -> txn.put(b("c"), v("1"), 7, null));
    write(txn -> txn.put(b("c"), v("2"), 0, get("c")));      // lease dropped
    write(txn -> txn.put(b("d"), v("1"), 0, null));
    write(txn -> txn.put(b("d"), v("2"), 9, get("d")));      // lease added
    write(txn -> txn.put(b("e"), v("1"), 7, null));
    write(txn -> txn.deleteRange(b("e"), new byte[0]));     // deleted
    List<String> attached = new ArrayList<>();
    try (ReadView view = backend.readView()) {
      LeaseRecords.forEachAttachedKey(view, (lease, key) -> attached.add(lease + ":" + key.toStringUtf8()));
    }
    assertThat(attached).containsExactly("7:a", "7:b\0x", "9:d");
  }

  @Test
  void theLeaseRecordAndEachOfItsFieldsNameTheVersionThatIntroducedThem() {
    var descriptor = LeaseRecord.getDescriptor();
    assertThat(descriptor.getOptions().getExtension(SinceProto.msgSince)).isEqualTo("1.0");
    for (var field : descriptor.getFields()) {
      assertThat(field.getOptions().hasExtension(SinceProto.fieldSince))
          .as("field %s has a since annotation", field.getName()).isTrue();
    }
    // remaining_ttl (lease checkpoints) belongs to 1.1: a downgrade to 1.0 clears it.
    assertThat(descriptor.getFields()).extracting(f -> f.getName() + "@" + f.getOptions().getExtension(SinceProto.fieldSince))
        .containsExactly("id@1.0", "ttl@1.0", "remaining_ttl@1.1");
  }

  private void write(java.util.function.Consumer<KvWriteTxn> work) {
    store.write(work);
  }

  private KeyValue get(String key) {
    try (ReadView view = backend.readView()) {
      return view.get(b(key), 0);
    }
  }

  private static LeaseRecord record(long id, long ttl) {
    return LeaseRecord.newBuilder().setId(id).setTtl(ttl).build();
  }

  private static byte[] b(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static ByteString v(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
