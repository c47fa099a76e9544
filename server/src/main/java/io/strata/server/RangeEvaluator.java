package io.strata.server;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.mvccpb.KeyValue;
import io.strata.storage.RangeResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a {@link RangeRequest} into a {@link RangeResponse} over any source of range results: the
 * committed store for reads, or the apply batch for ranges inside a txn. Implements etcd's rules:
 *
 * <ol>
 *   <li>a sort target other than KEY with no order means ascending;</li>
 *   <li>when sorting or filtering by revision, every key of the range is fetched, otherwise one
 *       more than the limit (to learn whether there are more);</li>
 *   <li>revision filters apply, then the sort, then the limit, which sets {@code more};</li>
 *   <li>{@code count} is the number of keys in the range, unaffected by limit and filters;</li>
 *   <li>{@code keys_only} drops values, {@code count_only} drops the keys.</li>
 * </ol>
 */
final class RangeEvaluator {
  /** A range read at a revision; throws the storage's revision errors. */
  interface Source {
    RangeResult range(byte[] key, byte[] rangeEnd, long revision, long limit, boolean collect);
  }

  private RangeEvaluator() {}

  static RangeResponse evaluate(RangeRequest request, Source source, long headerRevision) {
    RangeRequest.SortOrder order = request.getSortOrder();
    RangeRequest.SortTarget target = request.getSortTarget();
    if (target != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND;
    }
    boolean needsSort = order != RangeRequest.SortOrder.NONE
        && !(order == RangeRequest.SortOrder.ASCEND && target == RangeRequest.SortTarget.KEY);
    boolean filters = request.getMinModRevision() != 0 || request.getMaxModRevision() != 0
        || request.getMinCreateRevision() != 0 || request.getMaxCreateRevision() != 0;
    long fetchLimit = request.getLimit();
    if (needsSort || filters) {
      fetchLimit = 0;
    }
    if (fetchLimit > 0) {
      fetchLimit++;
    }
    RangeResult result = source.range(request.getKey().toByteArray(), request.getRangeEnd().toByteArray(),
        request.getRevision(), fetchLimit, !request.getCountOnly());
    RangeResponse.Builder response = RangeResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(headerRevision))
        .setCount(result.count());
    if (request.getCountOnly()) {
      return response.build();
    }
    List<KeyValue> kvs = new ArrayList<>(result.kvs().size());
    for (KeyValue kv : result.kvs()) {
      if (passes(request, kv)) {
        kvs.add(kv);
      }
    }
    if (needsSort) {
      Comparator<KeyValue> comparator = comparator(target);
      kvs.sort(order == RangeRequest.SortOrder.DESCEND ? comparator.reversed() : comparator);
    }
    if (request.getLimit() > 0 && kvs.size() > request.getLimit()) {
      kvs = kvs.subList(0, (int) request.getLimit());
      response.setMore(true);
    }
    for (KeyValue kv : kvs) {
      response.addKvs(request.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return response.build();
  }

  private static boolean passes(RangeRequest request, KeyValue kv) {
    return (request.getMinModRevision() == 0 || kv.getModRevision() >= request.getMinModRevision())
        && (request.getMaxModRevision() == 0 || kv.getModRevision() <= request.getMaxModRevision())
        && (request.getMinCreateRevision() == 0 || kv.getCreateRevision() >= request.getMinCreateRevision())
        && (request.getMaxCreateRevision() == 0 || kv.getCreateRevision() <= request.getMaxCreateRevision());
  }

  private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> Comparator.comparing(KeyValue::getValue, ByteString.unsignedLexicographicalComparator());
      case KEY, UNRECOGNIZED -> Comparator.comparing(KeyValue::getKey, ByteString.unsignedLexicographicalComparator());
    };
  }
}
