package io.strata.e2e.harness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs {@code stratactl} (the client module's CLI, {@code io.strata.client.cli.StrataCtl}) as its
 * own process on the test JVM's classpath, the same way {@code bin/stratactl} runs it.
 */
public final class Stratactl {
  public static final String MAIN_CLASS = "io.strata.client.cli.StrataCtl";

  private final String endpoints;

  private Stratactl(String endpoints) {
    this.endpoints = endpoints;
  }

  public static Stratactl forEndpoints(String endpoints) {
    return new Stratactl(endpoints);
  }

  public Etcdctl.Result run(String... args) {
    return Etcdctl.execute(command(args), null, 30_000);
  }

  /** The command line that runs stratactl with {@code args} after {@code --endpoints}. */
  public List<String> command(String... args) {
    List<String> command = new ArrayList<>(List.of(StrataProcessCluster.javaBinary(), "-Xmx128m",
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), MAIN_CLASS,
        "--endpoints=" + endpoints));
    command.addAll(Arrays.asList(args));
    return command;
  }
}
