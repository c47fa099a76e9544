package io.strata.client.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;

/**
 * {@code stratactl version}: stratactl's version and the etcd API version it speaks, in etcdctl's
 * two-line form. Stateless.
 */
@Command(name = "version", description = "Prints the version of stratactl")
final class VersionCommand extends CtlCommand {

  /** The etcd v3 API version whose commands, outputs and exit codes stratactl follows. */
  static final String API_VERSION = "3.4";

  @Override
  int run() {
    out().line("stratactl version: " + version());
    out().line("API version: " + API_VERSION);
    return ExitCodes.SUCCESS;
  }

  /** The client module's version, from the build; "unknown" if the build did not record it. */
  static String version() {
    try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
