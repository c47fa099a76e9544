package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.mvccpb.KeyValue;
import io.strata.storage.RangeResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class RangeEvaluatorTest {
  // Key order a, b, c; mod revisions 5, 3, 4; create revisions 2, 3, 4.
  private static final List<KeyValue> KVS = List.of(kv("a", 5, 2, "z"), kv("b", 3, 3, "y"), kv("c", 4, 4, "x"));

  private static final RangeEvaluator.Source SOURCE = (key, end, revision, limit, collect) ->
      new RangeResult(limit > 0 ? KVS.subList(0, (int) Math.min(limit, KVS.size())) : KVS, KVS.size());

  @Test
  void limitSetsMoreAndLeavesCountAlone() {
    RangeResponse response = RangeEvaluator.evaluate(request().setLimit(2).build(), SOURCE, 9);
    assertThat(keys(response)).containsExactly("a", "b");
    assertThat(response.getMore()).isTrue();
    assertThat(response.getCount()).isEqualTo(3);
    assertThat(response.getHeader().getRevision()).isEqualTo(9);
    assertThat(RangeEvaluator.evaluate(request().setLimit(3).build(), SOURCE, 9).getMore()).isFalse();
  }

  @Test
  void sortsByTargetAndDefaultsToAscendingForNonKeyTargets() {
    assertThat(keys(RangeEvaluator.evaluate(request().setSortTarget(RangeRequest.SortTarget.MOD).build(), SOURCE, 9)))
        .containsExactly("b", "c", "a");
    assertThat(keys(RangeEvaluator.evaluate(request().setSortOrder(RangeRequest.SortOrder.DESCEND).build(), SOURCE, 9)))
        .containsExactly("c", "b", "a");
    assertThat(keys(RangeEvaluator.evaluate(request().setSortTarget(RangeRequest.SortTarget.VALUE)
        .setSortOrder(RangeRequest.SortOrder.ASCEND).setLimit(1).build(), SOURCE, 9))).containsExactly("c");
  }

  @Test
  void revisionFiltersApplyBeforeTheLimit() {
    RangeResponse response = RangeEvaluator.evaluate(request().setMinModRevision(4).setLimit(1).build(), SOURCE, 9);
    assertThat(keys(response)).containsExactly("a");
    assertThat(response.getMore()).isTrue();
    assertThat(keys(RangeEvaluator.evaluate(request().setMaxCreateRevision(3).build(), SOURCE, 9)))
        .containsExactly("a", "b");
  }

  @Test
  void keysOnlyDropsValuesAndCountOnlyDropsKeys() {
    RangeResponse keysOnly = RangeEvaluator.evaluate(request().setKeysOnly(true).build(), SOURCE, 9);
    assertThat(keysOnly.getKvsList()).allSatisfy(kv -> assertThat(kv.getValue().isEmpty()).isTrue());
    RangeResponse countOnly = RangeEvaluator.evaluate(request().setCountOnly(true).build(), SOURCE, 9);
    assertThat(countOnly.getKvsList()).isEmpty();
    assertThat(countOnly.getCount()).isEqualTo(3);
  }

  private static RangeRequest.Builder request() {
    return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).setRangeEnd(ByteString.copyFrom(new byte[] {0}));
  }

  private static List<String> keys(RangeResponse response) {
    return response.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
  }

  private static KeyValue kv(String key, long mod, long create, String value) {
    return KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setModRevision(mod)
        .setCreateRevision(create).setVersion(1).setValue(ByteString.copyFromUtf8(value)).build();
  }
}
