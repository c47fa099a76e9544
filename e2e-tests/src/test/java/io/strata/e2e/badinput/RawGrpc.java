package io.strata.e2e.badinput;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * gRPC calls whose messages are raw bytes: what reaches the server is exactly what the test wrote,
 * so it can send bytes no generated stub would produce.
 */
final class RawGrpc {
  static final Duration DEADLINE = Duration.ofSeconds(10);

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /**
   * Byte sequences that no protobuf parser accepts as any message: an over-long varint tag, a
   * length-delimited field longer than what follows, a wire type that does not exist, and field
   * number zero.
   */
  static final byte[][] MALFORMED = {
      {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
          (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01},
      {0x0a, 0x7f, 0x61},
      {0x0e, 0x00},
      {0x00, 0x00},
  };

  private RawGrpc() {}

  /** One unary call of {@code fullMethodName} ("package.Service/Method") with {@code request} as its message. */
  static byte[] unary(Channel channel, String fullMethodName, byte[] request) {
    return ClientCalls.blockingUnaryCall(channel, method(fullMethodName, MethodDescriptor.MethodType.UNARY),
        CallOptions.DEFAULT.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS), request);
  }

  /**
   * Opens a bidirectional stream of {@code fullMethodName}, sends {@code request} and half-closes;
   * returns the status the server ends the call with.
   */
  static Status streamOnce(Channel channel, String fullMethodName, byte[] request) {
    ClientCall<byte[], byte[]> call = channel.newCall(
        method(fullMethodName, MethodDescriptor.MethodType.BIDI_STREAMING),
        CallOptions.DEFAULT.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(request);
    call.halfClose();
    try {
      return closed.get(DEADLINE.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + fullMethodName, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("no status for " + fullMethodName, e);
    }
  }

  static MethodDescriptor<byte[], byte[]> method(String fullMethodName, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }
}
