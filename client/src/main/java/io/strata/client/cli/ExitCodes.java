package io.strata.client.cli;

/**
 * stratactl's exit codes: etcdctl's ({@code cobrautl} in etcd's {@code pkg/cobrautl/error.go}) so
 * that scripts written against etcdctl read them the same way. Constants only.
 */
final class ExitCodes {

  /** The command did what it was asked. */
  static final int SUCCESS = 0;

  /** The server refused the request, a member did not answer, or a flag was not understood. */
  static final int ERROR = 1;

  /** A required argument is missing or there are too many (etcdctl's {@code ExitBadArgs}). */
  static final int BAD_ARGS = 128;

  private ExitCodes() {}
}
