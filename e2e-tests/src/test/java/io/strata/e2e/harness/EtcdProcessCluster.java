package io.strata.e2e.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference: real etcd 3.4 members ({@code /usr/bin/etcd} from Debian's etcd-server, or the
 * binary named by {@code -Detcd.bin=...} / {@code ETCD_BIN}) started with the same flags as Strata.
 */
public final class EtcdProcessCluster extends ProcessCluster {

  public EtcdProcessCluster(ClusterSpec spec, Path directory) {
    super(spec, directory);
  }

  public static Path binary() {
    String configured = System.getProperty("etcd.bin", System.getenv("ETCD_BIN"));
    return Path.of(configured == null || configured.isBlank() ? "/usr/bin/etcd" : configured);
  }

  @Override
  public String implementation() {
    return "etcd";
  }

  @Override
  protected Duration startTimeout() {
    return Duration.ofSeconds(30);
  }

  @Override
  protected List<String> command(ProcessMember member, List<String> flags) {
    Path bin = binary();
    if (!Files.isExecutable(bin)) {
      throw new AssertionError("etcd not found at " + bin
          + " (apt-get install etcd-server, or set -Detcd.bin=...)");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(bin.toString());
    cmd.addAll(flags);
    return cmd;
  }
}
