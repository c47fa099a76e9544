package io.strata.e2e.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback for fault injection, as etcd's e2e proxy: {@code listenPort} forwards
 * to {@code targetPort}. It can delay every byte by a fixed time (there is no netem on these
 * machines) or swallow everything while the connections stay open (a blackhole).
 *
 * <p>Each direction of each connection has a reader thread, which stamps every chunk with the
 * time it may leave, and a writer thread, which waits for that time; so order is kept and a
 * delay adds latency without cutting throughput.
 *
 * <p>Threading: the fault setters may be called from any thread; a change applies to chunks read
 * after it.
 */
public final class TcpProxy implements AutoCloseable {
  private static final int CHUNK = 64 * 1024;

  private final int listenPort;
  private final int targetPort;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile long delayNanos;
  private volatile boolean blackhole;
  private volatile ServerSocket server;

  public TcpProxy(int listenPort, int targetPort) {
    this.listenPort = listenPort;
    this.targetPort = targetPort;
  }

  /** Starts accepting on 127.0.0.1:{@code listenPort}. */
  public synchronized void start() {
    if (server != null) {
      return;
    }
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
      server = s;
    } catch (IOException e) {
      throw new UncheckedIOException("proxy cannot listen on " + listenPort, e);
    }
    daemon("proxy-accept-" + listenPort, this::acceptLoop).start();
  }

  /** Every byte, both ways, leaves {@code delay} after it arrived (zero: no delay). */
  public void delay(Duration delay) {
    this.delayNanos = delay.toNanos();
  }

  /** Swallows every byte, both ways, until {@link #heal}; connections stay open. */
  public void blackhole() {
    this.blackhole = true;
  }

  /** No delay, no blackhole. */
  public void heal() {
    this.blackhole = false;
    this.delayNanos = 0;
  }

  @Override
  public synchronized void close() {
    ServerSocket s = server;
    server = null;
    closeQuietly(s);
    sockets.forEach(TcpProxy::closeQuietly);
    sockets.clear();
  }

  private void acceptLoop() {
    ServerSocket s = server;
    while (s != null && !s.isClosed()) {
      try {
        Socket client = s.accept();
        Socket target = new Socket();
        try {
          target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        } catch (IOException refused) {
          closeQuietly(client); // the member is down: so is the link
          continue;
        }
        client.setTcpNoDelay(true);
        target.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(target);
        pipe(client, target, "->");
        pipe(target, client, "<-");
      } catch (IOException e) {
        if (server == null) {
          return; // closed
        }
      }
    }
  }

  private record Chunk(long dueNanos, byte[] bytes) {}

  private static final Chunk END = new Chunk(0, new byte[0]);

  private void pipe(Socket from, Socket to, String direction) throws IOException {
    InputStream in = from.getInputStream();
    OutputStream out = to.getOutputStream();
    BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    String name = "proxy-" + listenPort + direction;
    daemon(name + "-read", () -> {
      byte[] buffer = new byte[CHUNK];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          if (!blackhole) {
            queue.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
          }
        }
      } catch (IOException closed) {
        // the connection ended
      }
      queue.add(END);
    }).start();
    daemon(name + "-write", () -> {
      try {
        for (Chunk c = queue.take(); c != END; c = queue.take()) {
          for (long wait = c.dueNanos() - System.nanoTime(); wait > 0;
              wait = c.dueNanos() - System.nanoTime()) {
            LockSupport.parkNanos(wait);
          }
          out.write(c.bytes());
          out.flush();
        }
      } catch (IOException | InterruptedException closed) {
        // the connection ended
      }
      closeQuietly(from);
      closeQuietly(to);
      sockets.remove(from);
      sockets.remove(to);
    }).start();
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
