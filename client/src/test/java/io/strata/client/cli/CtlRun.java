package io.strata.client.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** One stratactl invocation in a test: its exit code, stdout (as bytes too) and stderr. Immutable. */
record CtlRun(int exitCode, String out, String err, byte[] outBytes) {

  /** Exit code, stdout and stderr in one string, for comparing whole runs. */
  String summary() {
    return "exit " + exitCode + "\nstdout:" + out + "\nstderr:" + err;
  }

  static CtlRun of(String... args) {
    return withPrompt(prompt -> Optional.empty(), args);
  }

  static CtlRun withPrompt(StrataCtl.PasswordPrompt prompt, String... args) {
    return run(InputStream.nullInputStream(), prompt, args);
  }

  /** Runs with {@code stdin} as standard input. */
  static CtlRun withInput(String stdin, String... args) {
    return run(
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        prompt -> Optional.empty(),
        args);
  }

  static CtlRun run(InputStream stdin, StrataCtl.PasswordPrompt prompt, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exitCode =
        StrataCtl.commandLine(new StrataCtl.Io(stdin, out, err, false, prompt)).execute(args);
    return new CtlRun(
        exitCode,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        out.toByteArray());
  }
}
