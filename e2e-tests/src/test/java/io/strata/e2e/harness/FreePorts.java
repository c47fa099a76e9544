package io.strata.e2e.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Hands out TCP ports on 127.0.0.1 that were free when asked for, each at most once per test JVM.
 *
 * <p>Every test JVM has a block of ports of its own, chosen by {@code -Dstrata.e2e.fork} (surefire
 * passes its fork number, 1 and up): e2e test classes run in parallel forks, and a member that is
 * down keeps its ports, so two JVMs must never pick from the same ports. The blocks lie below the
 * kernel's ephemeral range (32768 and up by default), where outgoing connections take their local
 * ports, so a port handed out here is not taken by a connection while its member is stopped. A
 * port in the block that some other program holds is skipped (it fails to bind).
 */
public final class FreePorts {
  static final String FORK_PROPERTY = "strata.e2e.fork";
  private static final int FIRST_BLOCK_START = 10_000;
  private static final int BLOCK_SIZE = 4_000;
  private static final int MAX_FORKS = 5;

  private static final int BLOCK_START = blockStart(System.getProperty(FORK_PROPERTY, "1"));
  private static int nextCandidate = BLOCK_START;

  private FreePorts() {}

  static int blockStart(String fork) {
    int number;
    try {
      number = Integer.parseInt(fork.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + FORK_PROPERTY + " must be a fork number, not '" + fork + "'", e);
    }
    if (number < 1 || number > MAX_FORKS) {
      throw new IllegalArgumentException("-D" + FORK_PROPERTY + " must be 1.." + MAX_FORKS + ", not " + number);
    }
    return FIRST_BLOCK_START + (number - 1) * BLOCK_SIZE;
  }

  /** One port on 127.0.0.1 from this JVM's block, free now and not handed out before. */
  public static synchronized int next() {
    while (nextCandidate < BLOCK_START + BLOCK_SIZE) {
      int port = nextCandidate++;
      if (bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("all " + BLOCK_SIZE + " ports from " + BLOCK_START + " were handed out");
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
