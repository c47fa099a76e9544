package io.strata.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Strata members as separate JVMs running {@code io.strata.server.Strata} with etcd's flags.
 *
 * <p>The classpath is the test JVM's own (it holds the server module and all its dependencies)
 * unless {@code -Dstrata.e2e.classpath=...} or {@code STRATA_E2E_CLASSPATH} names another. A
 * member that a scenario runs as an older version X.Y ({@code --emulate-version X.Y}) runs a real
 * release of that version instead when {@code -Dstrata.e2e.release.X.Y=...} or
 * {@code STRATA_E2E_RELEASE_X_Y} names its classpath (a release jar with its dependencies), without
 * the emulation flag. The classpath is passed through a {@code @argfile} so that the command stays
 * short.
 */
public final class StrataProcessCluster extends ProcessCluster {
  public static final String MAIN_CLASS = "io.strata.server.Strata";

  public StrataProcessCluster(ClusterSpec spec, Path directory) {
    super(spec, directory);
  }

  @Override
  public String implementation() {
    return "strata";
  }

  @Override
  protected Duration startTimeout() {
    // Three JVMs booting on two shared cores; generous but finite.
    return Duration.ofSeconds(Long.getLong("strata.e2e.startTimeoutSeconds", 90));
  }

  @Override
  protected List<String> command(ProcessMember member, List<String> flags) {
    List<String> memberFlags = new ArrayList<>(flags);
    String classpath = classpath();
    int emulate = memberFlags.indexOf("--emulate-version");
    if (emulate >= 0) {
      String release = releaseClasspath(memberFlags.get(emulate + 1));
      if (release != null) {
        classpath = release;
        memberFlags.remove(emulate + 1);
        memberFlags.remove(emulate);
      }
    }
    Path argFile = member.directory().resolve("classpath.args");
    try {
      Files.createDirectories(member.directory());
      Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>(List.of(
        javaBinary(),
        "-Xmx256m",
        "-XX:+UseSerialGC",
        // C1 only: three members JIT-compiling on two shared cores slowed every scenario (a
        // 3-member downgrade ran in 69 s instead of 106 s with it); tests never measure speed.
        "-XX:TieredStopAtLevel=1",
        "-Dcom.google.protobuf.use_unsafe_pre22_gencode",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED",
        "@" + argFile,
        MAIN_CLASS));
    cmd.addAll(memberFlags);
    return cmd;
  }

  /** The classpath of a real release of {@code version} ("X.Y"), or null when none is configured. */
  static String releaseClasspath(String version) {
    String configured = System.getProperty("strata.e2e.release." + version,
        System.getenv("STRATA_E2E_RELEASE_" + version.replace('.', '_')));
    return configured == null || configured.isBlank() ? null : configured;
  }

  /**
   * The command line of a one-off {@code strata} run outside any cluster (a subcommand such as
   * {@code migrate}, or a member started by hand with other flags), on the same JVM and classpath
   * as the cluster's members.
   */
  public static List<String> strataCommand(String... args) {
    List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC",
        "-Dcom.google.protobuf.use_unsafe_pre22_gencode", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
        "-cp", classpath(), MAIN_CLASS));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(System.getProperty("java.home") + "/bin/java");
  }

  static String classpath() {
    String configured = System.getProperty("strata.e2e.classpath", System.getenv("STRATA_E2E_CLASSPATH"));
    return configured == null || configured.isBlank() ? System.getProperty("java.class.path") : configured;
  }
}
