package io.strata.robustness.checker;

/**
 * etcd's [key, end) selector: {@code end} empty means the single key, {@code "\0"} means every key
 * from {@code key} on. Comparison is by Java string order, which is byte order for the ASCII keys
 * the traffic uses.
 */
public record KeyRange(String key, String end) {

  public KeyRange {
    java.util.Objects.requireNonNull(key, "key");
    end = end == null ? "" : end;
  }

  public static KeyRange single(String key) {
    return new KeyRange(key, "");
  }

  /** All keys starting with {@code prefix}, like etcd's {@code clientv3.WithPrefix}. */
  public static KeyRange prefix(String prefix) {
    if (prefix.isEmpty()) {
      return new KeyRange("\0", "\0");
    }
    char last = prefix.charAt(prefix.length() - 1);
    return new KeyRange(prefix, prefix.substring(0, prefix.length() - 1) + (char) (last + 1));
  }

  public boolean contains(String k) {
    if (end.isEmpty()) {
      return k.equals(key);
    }
    if (end.equals("\0")) {
      return k.compareTo(key) >= 0;
    }
    return k.compareTo(key) >= 0 && k.compareTo(end) < 0;
  }

  @Override
  public String toString() {
    return end.isEmpty() ? key : "[" + key + "," + (end.equals("\0") ? "∞" : end) + ")";
  }
}
