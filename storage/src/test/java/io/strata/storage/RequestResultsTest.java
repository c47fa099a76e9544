package io.strata.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.records.RequestResultRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RequestResultsTest {
  @RegisterExtension final TempBackend store = new TempBackend();
  private Backend backend;

  @BeforeEach
  void open() {
    backend = store.backend();
  }

  @Test
  void keysAreTheDocumentedLayout() {
    assertThat(RequestResults.recordKey(7)).containsExactly('r', 0, 0, 0, 0, 0, 0, 0, 7);
    assertThat(RequestResults.indexKey(42, 7)).containsExactly('i', 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0, 7);
  }

  @Test
  void pruningDeletesRecordsBelowTheIndexInIndexOrderEvenForIdsAboveTheSignedRange() {
    long bigId = -2; // 18446744073709551614 unsigned
    try (StoreBatch batch = backend.beginBatch()) {
      RequestResults.put(batch, bigId, record(10));
      RequestResults.put(batch, 1, record(20));
      RequestResults.put(batch, 2, record(30));
      batch.commit();
    }
    try (StoreBatch batch = backend.beginBatch()) {
      assertThat(RequestResults.pruneBefore(batch, 0, 21)).isEqualTo(2);
      assertThat(RequestResults.get(batch, bigId)).as("the batch sees its own deletes").isNull();
      batch.commit();
    }
    try (StoreBatch batch = backend.beginBatch()) {
      assertThat(RequestResults.get(batch, 1)).isNull();
      assertThat(RequestResults.get(batch, 2)).isEqualTo(record(30));
      assertThat(RequestResults.pruneBefore(batch, 21, 30)).as("30 is not below 30").isZero();
    }
  }

  @Test
  void aReplacedRecordIsPrunedAtItsNewIndexOnly() {
    try (StoreBatch batch = backend.beginBatch()) {
      RequestResults.put(batch, 5, record(10));
      RequestResults.put(batch, 5, record(40));
      assertThat(RequestResults.pruneBefore(batch, 0, 20)).isZero();
      assertThat(RequestResults.get(batch, 5)).isEqualTo(record(40));
      batch.commit();
    }
    try (ReadView view = backend.readView()) {
      assertThat(RequestResults.count(view)).isEqualTo(1);
    }
  }

  @Test
  void clearForgetsEveryRequestId() {
    try (StoreBatch batch = backend.beginBatch()) {
      RequestResults.put(batch, 1, record(10));
      RequestResults.put(batch, 2, record(11));
      batch.commit();
    }
    try (StoreBatch batch = backend.beginBatch()) {
      assertThat(RequestResults.clear(batch)).isEqualTo(4);
      batch.commit();
    }
    try (ReadView view = backend.readView()) {
      assertThat(RequestResults.count(view)).isZero();
    }
  }

  private static RequestResultRecord record(long index) {
    return RequestResultRecord.newBuilder().setIndex(index).setUsername("").build();
  }
}
