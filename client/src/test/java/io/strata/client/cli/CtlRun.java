package io.strata.client.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import picocli.CommandLine;

/** One stratactl invocation in a test: its exit code, stdout and stderr. Immutable. */
record CtlRun(int exitCode, String out, String err) {

  static CtlRun of(String... args) {
    return withPrompt(prompt -> Optional.empty(), args);
  }

  static CtlRun withPrompt(StrataCtl.PasswordPrompt prompt, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = StrataCtl.commandLine(prompt);
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new CtlRun(exitCode, out.toString(), err.toString());
  }
}
