package io.strata.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Hands out TCP ports on 127.0.0.1 that were free when asked for.
 *
 * <p>A port is found by binding port 0 and closing the socket, so another process may still take it
 * before the member binds it; the window is small and a member that cannot bind fails its start
 * clearly. Ports are never handed out twice by one test JVM, so a stopped member's ports are not
 * given to another member while it is down.
 */
public final class FreePorts {
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private FreePorts() {}

  /** One free port on 127.0.0.1 that this JVM has not handed out before. */
  public static synchronized int next() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port;
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        port = socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind an ephemeral port on 127.0.0.1", e);
      }
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no fresh free port on 127.0.0.1 after 100 attempts");
  }
}
