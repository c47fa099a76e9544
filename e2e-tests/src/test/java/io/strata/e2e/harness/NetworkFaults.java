package io.strata.e2e.harness;

import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts peer traffic between members of a {@link ProcessCluster} with iptables, leaving their client
 * ports alone, so clients keep reaching every member while Raft messages are dropped.
 *
 * <p>All members share 127.0.0.1, so a packet's sender is told by its socket's owner: each member
 * runs under a group id of its own ({@link ClusterSpec#withNetworkFaults()}) and every rule matches
 * {@code -m owner --gid-owner} and a peer port. Rules go into a chain of their own, hooked into
 * OUTPUT (loopback packets pass OUTPUT with their owner known), and {@link #heal} flushes it.
 * Dropped packets are not answered, so connections stall as on a real partition rather than fail
 * fast.
 *
 * <p>Only inside the private network namespace that {@code scripts/netns/bin/java} makes (it names
 * it in {@code STRATA_PRIVATE_NETNS}): the rules then vanish with the namespace, whatever happens
 * to the test JVM. Anywhere else, the constructor refuses.
 *
 * <p>Threading: not thread-safe; one scenario drives it.
 */
public final class NetworkFaults implements AutoCloseable {
  private static final String CHAIN = "STRATA-PEER-FAULTS";

  private final ProcessCluster cluster;

  public NetworkFaults(ProcessCluster cluster) {
    if (!cluster.spec().networkFaults()) {
      throw new IllegalStateException("the cluster was not started withNetworkFaults()");
    }
    String refusal = whyUnavailable();
    if (refusal != null) {
      throw new IllegalStateException(refusal);
    }
    this.cluster = cluster;
    iptables("-N", CHAIN);
    iptables("-I", "OUTPUT", "-j", CHAIN);
  }

  /**
   * Null when network faults can be injected here; otherwise why not (not root, no iptables, or
   * not inside a private network namespace).
   */
  public static String whyUnavailable() {
    try {
      String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
      if (!own.equals(System.getenv("STRATA_PRIVATE_NETNS"))) {
        return "not inside a private network namespace (run the test JVM under "
            + "scripts/netns/bin/java, as the robustness execution of e2e-tests and "
            + "scripts/robustness.sh do)";
      }
    } catch (IOException | SecurityException e) {
      return "cannot tell the network namespace: " + e;
    }
    try {
      Process p = new ProcessBuilder("iptables", "-S", "OUTPUT").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return "iptables does not work here (root and the iptables package are needed): " + out;
      }
    } catch (IOException e) {
      return "iptables is not installed (scripts/install-test-deps.sh installs it): " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    return null;
  }

  /** Cuts every peer connection of {@code member}, both ways. */
  public void isolate(Member member) {
    for (Member other : cluster.members()) {
      if (!other.equals(member)) {
        blockRequests(member, other);
        blockRequests(other, member);
      }
    }
    // Answers {@code member} gives on connections opened before the cut.
    ProcessMember m = own(member);
    drop(m, "--sport", m.peerPort());
  }

  /** Splits the cluster into {@code side} and the rest; each side keeps its own traffic. */
  public void partition(List<? extends Member> side) {
    for (Member a : side) {
      for (Member b : cluster.members()) {
        if (!side.contains(b)) {
          blockRequests(a, b);
          blockRequests(b, a);
        }
      }
    }
  }

  /**
   * One-way: {@code from} can no longer open or use connections to {@code to}'s peer port (its
   * requests, such as a leader's appends and heartbeats, are lost), while {@code to}'s own
   * requests to {@code from} still get answers.
   */
  public void blockRequests(Member from, Member to) {
    drop(own(from), "--dport", own(to).peerPort());
  }

  /**
   * Drops each peer packet {@code member} sends, and each one sent to its peer port, with
   * {@code probability} (iptables' statistic match): a lossy link, where TCP retransmits.
   */
  public void loseRandomly(Member member, double probability) {
    ProcessMember m = own(member);
    String p = String.format(java.util.Locale.ROOT, "%.3f", probability);
    for (Member other : cluster.members()) {
      if (!other.equals(member)) {
        ProcessMember o = own(other);
        iptables("-A", CHAIN, "-p", "tcp", "-m", "owner", "--gid-owner",
            Integer.toString(m.groupId()), "--dport", Integer.toString(o.peerPort()),
            "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP");
      }
    }
    iptables("-A", CHAIN, "-p", "tcp", "--dport", Integer.toString(m.peerPort()),
        "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP");
  }

  /** Removes every rule: all peers reach each other again. */
  public void heal() {
    iptables("-F", CHAIN);
  }

  /** The rules in force, for logs. */
  public List<String> rules() {
    return List.of(iptables("-S", CHAIN).split("\n"));
  }

  @Override
  public void close() {
    heal();
    iptables("-D", "OUTPUT", "-j", CHAIN);
    iptables("-X", CHAIN);
  }

  private void drop(ProcessMember sender, String portMatch, int port) {
    iptables("-A", CHAIN, "-p", "tcp", "-m", "owner", "--gid-owner",
        Integer.toString(sender.groupId()), portMatch, Integer.toString(port), "-j", "DROP");
  }

  private ProcessMember own(Member member) {
    if (!(member instanceof ProcessMember m) || !cluster.members().contains(m)) {
      throw new IllegalArgumentException(member + " is not a member of this cluster");
    }
    return m;
  }

  private static String iptables(String... args) {
    List<String> command = new ArrayList<>(List.of("iptables", "-w", "5"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in 20 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
