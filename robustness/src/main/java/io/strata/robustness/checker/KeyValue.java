package io.strata.robustness.checker;

/**
 * One key as a client saw it, with etcd's MVCC fields. Keys and values are strings: the recorder
 * chooses them (traffic writes unique, printable values), so histories stay readable.
 *
 * <p>A tombstone (the kv of a DELETE watch event) has {@code modRevision} = the deleting revision
 * and zeros elsewhere, as in etcd.
 */
public record KeyValue(
    String key, String value, long createRevision, long modRevision, long version, long lease) {

  public KeyValue {
    java.util.Objects.requireNonNull(key, "key");
    value = value == null ? "" : value;
  }

  static KeyValue tombstone(String key, long revision) {
    return new KeyValue(key, "", 0, revision, 0, 0);
  }

  @Override
  public String toString() {
    return key + "=" + value + "@" + createRevision + "/" + modRevision + "/v" + version
        + (lease != 0 ? "/lease" + lease : "");
  }
}
