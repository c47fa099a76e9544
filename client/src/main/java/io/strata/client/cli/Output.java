package io.strata.client.cli;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * stratactl's standard output as bytes: text is written as UTF-8, keys and values as the bytes
 * they are (etcdctl prints them raw, so a binary key prints the same bytes). Buffered: {@link
 * #flush()} after each printout a reader may wait for (a watch event, a keep-alive). Not
 * thread-safe; one command writes it.
 */
final class Output {

  private final OutputStream stream;

  Output(OutputStream stream) {
    this.stream = stream;
  }

  Output print(String text) {
    return write(text.getBytes(StandardCharsets.UTF_8));
  }

  Output line(String text) {
    return print(text).write(NEWLINE);
  }

  Output line() {
    return write(NEWLINE);
  }

  /** The bytes of {@code value} and a newline. */
  Output line(ByteString value) {
    try {
      value.writeTo(stream);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return write(NEWLINE);
  }

  void flush() {
    try {
      stream.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Output write(byte[] bytes) {
    try {
      stream.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  private static final byte[] NEWLINE = {'\n'};
}
