package io.strata.robustness.checker;

import java.util.stream.Collectors;

/** Short, stable descriptions of requests for violation messages. */
final class Describe {
  private Describe() {}

  static String op(Operation op) {
    return "op " + op.id() + " (client " + op.client() + ", " + request(op.request()) + ")";
  }

  static String request(Request r) {
    if (r instanceof Request.Range x) {
      return "get " + x.range() + (x.revision() > 0 ? " at rev " + x.revision() : "");
    } else if (r instanceof Request.Put x) {
      return "put " + x.key() + "=" + x.value() + (x.lease() != 0 ? " lease " + x.lease() : "");
    } else if (r instanceof Request.Delete x) {
      return "delete " + x.range();
    } else if (r instanceof Request.Txn x) {
      return "txn if " + x.compares() + " then " + list(x.success()) + " else " + list(x.failure());
    } else if (r instanceof Request.LeaseGrant x) {
      return "lease grant " + x.id();
    } else if (r instanceof Request.LeaseRevoke x) {
      return "lease revoke " + x.id();
    } else if (r instanceof Request.Compact x) {
      return "compact " + x.revision();
    }
    return r.toString();
  }

  private static String list(java.util.List<Request> rs) {
    return rs.stream().map(Describe::request).collect(Collectors.joining("; ", "[", "]"));
  }
}
