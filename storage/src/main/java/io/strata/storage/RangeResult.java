package io.strata.storage;

import io.strata.api.mvccpb.KeyValue;
import java.util.List;

/**
 * Keys found by a range read, in key order.
 *
 * @param kvs   the live keys, at most the requested limit (none when only counting)
 * @param count how many live keys the whole range holds at the read revision, ignoring the limit
 */
public record RangeResult(List<KeyValue> kvs, long count) {}
