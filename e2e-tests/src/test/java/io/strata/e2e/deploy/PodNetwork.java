package io.strata.e2e.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A stand-in for a Kubernetes pod network on one machine: one network namespace per "pod", each
 * with its own address on a bridge that lives in a hub namespace, and per-pod DNS names in a
 * hosts file ({@code /etc/netns/NS/hosts}, which {@code ip netns exec} mounts over /etc/hosts).
 * So every pod listens on the same ports (2379, 2380, 2381) on all interfaces, and reaches the
 * others by the names a headless Service would give them, as in a cluster. Nothing is connected
 * to the machine's own network: the namespaces talk only to each other.
 *
 * <p>Needs root and iproute2. {@link #close} removes everything, and a later run removes what a
 * killed run left behind (names carry the creating process's pid).
 *
 * <p>Threading: create and close on one thread; {@link #command} from any thread.
 */
final class PodNetwork implements AutoCloseable {
  private static final String PREFIX = "stk8s";
  private static final String SUBNET = "10.231.0.";
  /** The hub's address on the bridge (where the test's stand-in Kubernetes API listens). */
  static final String HUB_ADDRESS = SUBNET + "254";

  private final String id;
  private final int pods;
  private boolean closed;

  private PodNetwork(String id, int pods) {
    this.id = id;
    this.pods = pods;
  }

  /**
   * Namespaces for {@code pods} pods; pod k gets address 10.231.0.(k+1), and {@code names(k)} are
   * the host names that resolve to it in every pod (its headless-Service name, and for pods a
   * client Service routes to, the Service's name).
   */
  static PodNetwork create(int pods, java.util.function.IntFunction<List<String>> names) {
    sweepLeftovers();
    PodNetwork network = new PodNetwork(PREFIX + ProcessHandle.current().pid(), pods);
    try {
      network.build(names);
      return network;
    } catch (RuntimeException | Error e) {
      network.close();
      throw e;
    }
  }

  String hub() {
    return id + "-hub";
  }

  String pod(int k) {
    return id + "-p" + k;
  }

  static String address(int k) {
    return SUBNET + (k + 1);
  }

  private void build(java.util.function.IntFunction<List<String>> names) {
    run("ip", "netns", "add", hub());
    run("ip", "-n", hub(), "link", "set", "lo", "up");
    run("ip", "-n", hub(), "link", "add", "br0", "type", "bridge");
    run("ip", "-n", hub(), "addr", "add", HUB_ADDRESS + "/24", "dev", "br0");
    run("ip", "-n", hub(), "link", "set", "br0", "up");
    StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
    for (int k = 0; k < pods; k++) {
      for (String name : names.apply(k)) {
        hosts.append(address(k)).append(' ').append(name).append('\n');
      }
    }
    for (int k = 0; k < pods; k++) {
      String pod = pod(k);
      run("ip", "netns", "add", pod);
      run("ip", "-n", hub(), "link", "add", "vp" + k, "type", "veth", "peer", "name", "eth0", "netns", pod);
      run("ip", "-n", hub(), "link", "set", "vp" + k, "master", "br0", "up");
      run("ip", "-n", pod, "link", "set", "lo", "up");
      run("ip", "-n", pod, "addr", "add", address(k) + "/24", "dev", "eth0");
      run("ip", "-n", pod, "link", "set", "eth0", "up");
      writeHosts(pod, hosts.toString());
    }
    writeHosts(hub(), hosts.toString());
  }

  private static void writeHosts(String namespace, String content) {
    try {
      Path dir = Path.of("/etc/netns", namespace);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("hosts"), content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code command} as it runs inside {@code namespace} (with that namespace's hosts file). */
  static List<String> command(String namespace, List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(command);
    return full;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<String> namespaces = new ArrayList<>();
    for (int k = 0; k < pods; k++) {
      namespaces.add(pod(k));
    }
    namespaces.add(hub());
    namespaces.forEach(PodNetwork::delete);
  }

  private static void delete(String namespace) {
    runQuietly("ip", "netns", "delete", namespace);
    Path dir = Path.of("/etc/netns", namespace);
    try {
      Files.deleteIfExists(dir.resolve("hosts"));
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // left for the next run's sweep
    }
  }

  /** Removes namespaces of earlier runs whose process is gone (a killed test JVM). */
  private static void sweepLeftovers() {
    for (String line : output("ip", "netns", "list").lines().toList()) {
      String name = line.split(" ")[0];
      if (!name.startsWith(PREFIX)) {
        continue;
      }
      String pid = name.substring(PREFIX.length()).replaceAll("-.*", "");
      boolean alive = pid.chars().allMatch(Character::isDigit) && !pid.isEmpty()
          && ProcessHandle.of(Long.parseLong(pid)).isPresent();
      if (!alive) {
        delete(name);
      }
    }
  }

  /** Whether this machine lets the test build namespaces (root and iproute2). */
  static String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "needs root (network namespaces), runs as " + System.getProperty("user.name");
    }
    if (Stream.of("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip").noneMatch(p -> Files.isExecutable(Path.of(p)))) {
      return "needs iproute2's ip";
    }
    return null;
  }

  static void run(String... command) {
    Result result = exec(List.of(command), Map.of(), Duration.ofSeconds(20));
    if (result.exit() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exit() + "): " + result.output());
    }
  }

  private static void runQuietly(String... command) {
    exec(List.of(command), Map.of(), Duration.ofSeconds(20));
  }

  private static String output(String... command) {
    return exec(List.of(command), Map.of(), Duration.ofSeconds(20)).output();
  }

  record Result(int exit, String output) {}

  /** Runs {@code command} to its end (output and errors together), or kills it after {@code timeout}. */
  static Result exec(List<String> command, Map<String, String> environment, Duration timeout) {
    Path output = null;
    try {
      output = Files.createTempFile("pod-network", ".out");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().putAll(environment);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", command));
      }
      return new Result(process.exitValue(), Files.readString(output));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      if (output != null) {
        output.toFile().delete();
      }
    }
  }
}
