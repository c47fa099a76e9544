package io.strata.server;

import io.strata.server.logging.StrataLogging;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code strata} command. With no arguments it starts a single-member cluster on
 * 127.0.0.1:2379 (clients), :2380 (peers) and :2381 (HTTP), with data in ./default.strata.
 */
@Command(name = "strata", mixinStandardHelpOptions = true, versionProvider = Strata.Version.class,
    subcommands = {SnapshotRestoreCommand.Group.class, MigrateCommand.class},
    description = "Strata: a replicated key-value server speaking etcd's v3 API, with reversible upgrades.")
public final class Strata implements Callable<Integer> {
  @Mixin
  private final ServerConfig config = new ServerConfig();

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"strata " + StrataVersion.LATEST.version().wire()};
    }
  }

  @Override
  public Integer call() throws Exception {
    try {
      StrataLogging.configure(config.logLevel, config.logFormat);
    } catch (IllegalArgumentException e) {
      System.err.println("strata: " + e.getMessage());
      return 2;
    }
    StrataServer server = new StrataServer(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "strata-shutdown"));
    try {
      server.start();
    } catch (IllegalArgumentException e) {
      System.err.println("strata: " + e.getMessage());
      return 2;
    } catch (StrataServer.DataTooNewException e) {
      System.err.println("strata: refusing to start: " + e.getMessage());
      return 3;
    }
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    StrataLogging.install();
    CommandLine commandLine = new CommandLine(new Strata());
    commandLine.setDefaultValueProvider(new EnvironmentDefaults(System.getenv()));
    int exit = commandLine.execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }
}
