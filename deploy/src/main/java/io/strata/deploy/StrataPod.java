package io.strata.deploy;

import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.Member;
import io.strata.server.Strata;
import io.strata.storage.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code strata-pod}: the entrypoint of a Strata StatefulSet pod (the image's
 * {@code /opt/strata/bin/strata-pod}).
 *
 * <ul>
 *   <li>{@code run}: derives the member's flags from the pod's name ({@link PodIdentity}), decides
 *       whether it bootstraps the new cluster, resumes on its data, or joins by {@code member add}
 *       ({@link PodBootstrap}), then runs the server in this JVM. Every other setting comes from
 *       the server's {@code STRATA_<FLAG>} variables; {@code STRATA_DATA_DIR} is required.</li>
 *   <li>{@code pre-stop}: the container's preStop hook. When the pod goes away because the
 *       StatefulSet was scaled below its ordinal (but not to zero, which stops the whole cluster),
 *       removes its member from the cluster (the member then stops by itself); on any other
 *       termination it changes nothing.</li>
 * </ul>
 *
 * <p>Threading: single-threaded command line.
 */
@Command(name = "strata-pod",
    subcommands = {StrataPod.Run.class, StrataPod.PreStop.class},
    description = "Runs a Strata member as a Kubernetes StatefulSet pod.")
public final class StrataPod implements Callable<Integer> {
  /** Written into the data directory before the pod adds itself with {@code member add}. */
  static final String JOIN_MARKER = "pod-joined-by-member-add";
  static final Duration RETRY_INTERVAL = Duration.ofSeconds(2);
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

  @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 2;
  }

  public static void main(String[] args) {
    int exit = new CommandLine(new StrataPod()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  static void log(String message) {
    System.err.println(Instant.now() + " strata-pod: " + message);
  }

  static Path dataDir(Map<String, String> env) {
    String dir = env.get("STRATA_DATA_DIR");
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException("STRATA_DATA_DIR is not set (the StatefulSet points it into the volume)");
    }
    return Path.of(dir.trim());
  }

  /** The pod's client of the cluster, with the pod's client certificate when the client URLs are https. */
  static ClusterMembers clusterMembers(PodIdentity pod, Map<String, String> env) {
    return new ClusterMembers(CALL_TIMEOUT, PodClientTls.credentials(PodClientTls.fromEnvironment(pod, env)));
  }

  @Command(name = "run", description = "Bootstrap or join the cluster as this pod's member, then serve.")
  static final class Run implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "FLAG", description = "More strata flags, passed on as they are.")
    List<String> extraFlags = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
      Map<String, String> env = System.getenv();
      PodIdentity pod = PodIdentity.fromEnvironment(env);
      Path dataDir = dataDir(env);
      Duration patience = Duration.ofSeconds(Long.parseLong(env.getOrDefault("STRATA_POD_BOOTSTRAP_TIMEOUT_SECONDS", "600")));
      long deadline = System.nanoTime() + patience.toNanos();
      ClusterMembers cluster = clusterMembers(pod, env);
      while (true) {
        PodBootstrap.Observation seen = new PodBootstrap.Observation(Files.isDirectory(dataDir.resolve("db")),
            Files.exists(dataDir.resolve(JOIN_MARKER)), cluster.view(pod.discoveryEndpoints()));
        PodBootstrap.Decision decision = PodBootstrap.decide(pod, seen);
        log(pod.name() + ": " + decision);
        if (decision instanceof PodBootstrap.Decision.Start start) {
          List<String> flags = new ArrayList<>(pod.serverFlags(start.clusterState(), start.initialCluster()));
          flags.addAll(extraFlags);
          log("starting strata " + String.join(" ", flags));
          Strata.main(flags.toArray(String[]::new));
          return 0;
        } else if (decision instanceof PodBootstrap.Decision.SetAsideStaleData) {
          Path aside = dataDir.resolveSibling(dataDir.getFileName() + ".removed");
          Backend.deleteTree(aside);
          Files.move(dataDir, aside, StandardCopyOption.ATOMIC_MOVE);
          log("moved the removed member's data to " + aside);
          continue;
        } else if (decision instanceof PodBootstrap.Decision.Refuse refuse) {
          log("refusing to start: " + refuse.reason());
          return 2;
        } else if (decision instanceof PodBootstrap.Decision.Join) {
          Files.createDirectories(dataDir);
          Files.writeString(dataDir.resolve(JOIN_MARKER), pod.peerUrl() + "\n");
          try {
            Member added = cluster.add(pod.discoveryEndpoints(), pod.peerUrl());
            log("added member " + Long.toHexString(added.getID()) + " with peer URL " + pod.peerUrl());
            continue;
          } catch (StatusRuntimeException e) {
            log("member add failed (" + e.getStatus() + "); asking the cluster again");
          }
        }
        if (System.nanoTime() - deadline > 0) {
          log("giving up after " + patience.toSeconds() + " s: " + decision);
          return 1;
        }
        LockSupport.parkNanos(RETRY_INTERVAL.toNanos());
      }
    }
  }

  @Command(name = "pre-stop", description = "On a scale-down, remove this pod's member from the cluster.")
  static final class PreStop implements Callable<Integer> {
    @Override
    public Integer call() {
      Map<String, String> env = System.getenv();
      PodIdentity pod = PodIdentity.fromEnvironment(env);
      Optional<Integer> replicas;
      try {
        replicas = KubernetesApi.fromEnvironment(env, CALL_TIMEOUT).desiredReplicas(pod.namespace(), pod.statefulSet());
      } catch (IOException e) {
        log("cannot read StatefulSet " + pod.statefulSet() + " (" + e.getMessage() + "); membership left unchanged");
        return 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
      if (!PodBootstrap.leavesOnStop(pod, replicas)) {
        log(replicas.isEmpty() ? "StatefulSet " + pod.statefulSet() + " is gone or being deleted; membership left unchanged"
            : replicas.get() == 0 ? "StatefulSet " + pod.statefulSet() + " scaled to 0: the cluster stops whole; membership left unchanged"
            : "not a scale-down (" + pod.name() + " is below replicas " + replicas.get() + "); membership left unchanged");
        return 0;
      }
      List<String> endpoints = pod.preStopEndpoints();
      ClusterMembers cluster = clusterMembers(pod, env);
      Optional<PodBootstrap.ClusterView> view = cluster.view(endpoints);
      if (view.isEmpty() || !view.get().linearizable()) {
        log("scale-down to " + replicas.get() + ", but no quorum answers; " + pod.name()
            + " is still a member: remove it by hand (etcdctl member remove ID)");
        return 1;
      }
      Optional<Member> self = view.get().memberWithPeerUrl(pod.peerUrl());
      if (self.isEmpty()) {
        log("scale-down to " + replicas.get() + "; " + pod.name() + " is no longer a member");
        return 0;
      }
      try {
        cluster.remove(endpoints, self.get().getID());
      } catch (StatusRuntimeException e) {
        log("scale-down to " + replicas.get() + ", but removing member " + Long.toHexString(self.get().getID())
            + " failed: " + e.getStatus());
        return 1;
      }
      log("scale-down to " + replicas.get() + ": removed member " + Long.toHexString(self.get().getID())
          + " (" + pod.name() + ")");
      return 0;
    }
  }
}
