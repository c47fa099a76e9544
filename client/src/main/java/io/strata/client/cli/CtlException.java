package io.strata.client.cli;

/**
 * A failure a command reports to the user as {@code Error: <message>} on stderr, exiting with
 * {@link #exitCode()}. Immutable.
 */
class CtlException extends Exception {

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CtlException(String message) {
    this(message, ExitCodes.ERROR);
  }

  CtlException(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  static CtlException badArgs(String message) {
    return new CtlException(message, ExitCodes.BAD_ARGS);
  }

  int exitCode() {
    return exitCode;
  }
}
