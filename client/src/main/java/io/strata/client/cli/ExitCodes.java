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

  /** A streaming call (lease keep-alive, time-to-live) could not be made (etcdctl's {@code ExitBadConnection}). */
  static final int BAD_CONNECTION = 2;

  /** Input read from stdin (txn, watch -i) is malformed or ended early ({@code ExitInvalidInput}). */
  static final int INVALID_INPUT = 3;

  /** The output format or an option value is not supported here ({@code ExitBadFeature}). */
  static final int BAD_FEATURE = 4;

  /** A watch ended because the server cancelled it ({@code ExitInterrupted}). */
  static final int INTERRUPTED = 5;

  /** A local file could not be written ({@code ExitIO}). */
  static final int IO = 6;

  /** A required argument is missing or there are too many (etcdctl's {@code ExitBadArgs}). */
  static final int BAD_ARGS = 128;

  private ExitCodes() {}
}
