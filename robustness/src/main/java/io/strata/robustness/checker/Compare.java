package io.strata.robustness.checker;

/** A txn compare on one key, as etcd's {@code Compare}. */
public record Compare(String key, Target target, Result result, long number, String value) {

  public enum Target { VERSION, CREATE, MOD, VALUE }

  public enum Result { EQUAL, GREATER, LESS, NOT_EQUAL }

  public static Compare modRevision(String key, Result result, long revision) {
    return new Compare(key, Target.MOD, result, revision, null);
  }

  public static Compare value(String key, Result result, String value) {
    return new Compare(key, Target.VALUE, result, 0, value);
  }

  /**
   * etcd's rule: a compare on a missing key fails for VALUE and otherwise sees zeros.
   *
   * @param kv the key's current kv, or null if absent
   */
  boolean holds(KeyValue kv) {
    int c;
    if (target == Target.VALUE) {
      if (kv == null) {
        return false;
      }
      c = Integer.signum(kv.value().compareTo(value == null ? "" : value));
    } else {
      long actual =
          kv == null
              ? 0
              : switch (target) {
                case VERSION -> kv.version();
                case CREATE -> kv.createRevision();
                case MOD -> kv.modRevision();
                case VALUE -> throw new AssertionError();
              };
      c = Long.compare(actual, number);
    }
    return switch (result) {
      case EQUAL -> c == 0;
      case GREATER -> c > 0;
      case LESS -> c < 0;
      case NOT_EQUAL -> c != 0;
    };
  }

  @Override
  public String toString() {
    String rhs = target == Target.VALUE ? "'" + value + "'" : Long.toString(number);
    return target.name().toLowerCase() + "(" + key + ") " + result + " " + rhs;
  }
}
