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

  static CtlException badFeature(String message) {
    return new CtlException(message, ExitCodes.BAD_FEATURE);
  }

  static CtlException invalidInput(String message) {
    return new CtlException(message, ExitCodes.INVALID_INPUT);
  }

  /** What etcdctl says when a command has no printout in the chosen {@code -w} format. */
  static CtlException unsupportedFormat(OutputFormat format) {
    return badFeature(format.flagValue() + " not supported as output format");
  }

  /**
   * Exit with {@code exitCode} and print nothing more: the command has already said what went
   * wrong (etcdctl's {@code os.Exit} without {@code Error:}).
   */
  static CtlException silent(int exitCode) {
    return new CtlException("", exitCode);
  }

  boolean isSilent() {
    return getMessage().isEmpty();
  }

  /** The same message with another exit code. */
  CtlException withExitCode(int code) {
    return new CtlException(getMessage(), code);
  }

  int exitCode() {
    return exitCode;
  }
}
