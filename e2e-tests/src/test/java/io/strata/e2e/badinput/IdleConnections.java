package io.strata.e2e.badinput;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Raw TCP connections that say (almost) nothing: every second one sends HTTP/2's preface. */
final class IdleConnections {
  /** The client connection preface of HTTP/2, then an empty SETTINGS frame. */
  private static final byte[] PREFACE_AND_SETTINGS;

  static {
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
    PREFACE_AND_SETTINGS = new byte[preface.length + settings.length];
    System.arraycopy(preface, 0, PREFACE_AND_SETTINGS, 0, preface.length);
    System.arraycopy(settings, 0, PREFACE_AND_SETTINGS, preface.length, settings.length);
  }

  private IdleConnections() {}

  /** Opens {@code count} connections to {@code hostPort}, adding each to {@code sockets} at once. */
  static void open(List<Socket> sockets, String hostPort, int count) throws IOException {
    int colon = hostPort.lastIndexOf(':');
    InetSocketAddress address = new InetSocketAddress(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
    for (int i = 0; i < count; i++) {
      Socket socket = new Socket();
      sockets.add(socket);
      socket.connect(address, 5_000);
      if (i % 2 == 1) {
        OutputStream out = socket.getOutputStream();
        out.write(PREFACE_AND_SETTINGS);
        out.flush();
      }
    }
  }

  static void close(List<Socket> sockets) throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
