package io.strata.server;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The client API's gRPC metrics as go-grpc-prometheus names them (etcd serves those):
 * {@code grpc_server_started_total}, {@code grpc_server_handled_total} (by {@code grpc_code}),
 * {@code grpc_server_msg_received_total} and {@code grpc_server_msg_sent_total}, each labelled
 * {@code grpc_type} (unary, client_stream, server_stream, bidi_stream), {@code grpc_service}
 * (e.g. {@code etcdserverpb.KV}) and {@code grpc_method} (e.g. {@code Put}). Like etcd, every
 * series of an instrumented service exists from the start with the value 0.
 *
 * <p>Also etcd's {@code etcd_network_client_grpc_received_bytes_total} and
 * {@code etcd_network_client_grpc_sent_bytes_total}: the serialized (uncompressed) size of every
 * message received and sent on a server that carries {@link #byteCounter()}, as etcd's gRPC codec
 * counts them; gRPC's framing and HTTP/2 are not included.
 *
 * <p>Threading: thread-safe; counting happens on gRPC's threads.
 */
final class GrpcServerMetrics implements ServerInterceptor {
  /** go-grpc's names of the status codes, as etcd's {@code grpc_code} label carries them. */
  private static final Map<Status.Code, String> CODE_NAMES = new EnumMap<>(Map.ofEntries(
      Map.entry(Status.Code.OK, "OK"),
      Map.entry(Status.Code.CANCELLED, "Canceled"),
      Map.entry(Status.Code.UNKNOWN, "Unknown"),
      Map.entry(Status.Code.INVALID_ARGUMENT, "InvalidArgument"),
      Map.entry(Status.Code.DEADLINE_EXCEEDED, "DeadlineExceeded"),
      Map.entry(Status.Code.NOT_FOUND, "NotFound"),
      Map.entry(Status.Code.ALREADY_EXISTS, "AlreadyExists"),
      Map.entry(Status.Code.PERMISSION_DENIED, "PermissionDenied"),
      Map.entry(Status.Code.RESOURCE_EXHAUSTED, "ResourceExhausted"),
      Map.entry(Status.Code.FAILED_PRECONDITION, "FailedPrecondition"),
      Map.entry(Status.Code.ABORTED, "Aborted"),
      Map.entry(Status.Code.OUT_OF_RANGE, "OutOfRange"),
      Map.entry(Status.Code.UNIMPLEMENTED, "Unimplemented"),
      Map.entry(Status.Code.INTERNAL, "Internal"),
      Map.entry(Status.Code.UNAVAILABLE, "Unavailable"),
      Map.entry(Status.Code.DATA_LOSS, "DataLoss"),
      Map.entry(Status.Code.UNAUTHENTICATED, "Unauthenticated")));

  private final MeterRegistry registry;
  private final Map<String, Runnable> onSuccess;
  private final Map<String, MethodMeters> meters = new ConcurrentHashMap<>();
  private final Counter receivedBytes;
  private final Counter sentBytes;

  /**
   * @param onSuccess by full method name ({@code etcdserverpb.KV/Range}): what else to count when a
   *     call of that method ends OK
   */
  GrpcServerMetrics(MeterRegistry registry, Map<String, Runnable> onSuccess) {
    this.registry = registry;
    this.onSuccess = Map.copyOf(onSuccess);
    this.receivedBytes = Counter.builder("etcd_network_client_grpc_received_bytes")
        .description("The total number of bytes received from grpc clients.").register(registry);
    this.sentBytes = Counter.builder("etcd_network_client_grpc_sent_bytes")
        .description("The total number of bytes sent to grpc clients.").register(registry);
  }

  /** Counts the message bytes of every call of the server it is added to (add it to each client listener). */
  ServerStreamTracer.Factory byteCounter() {
    return new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new ServerStreamTracer() {
          @Override
          public void inboundUncompressedSize(long bytes) {
            if (bytes > 0) {
              receivedBytes.increment(bytes);
            }
          }

          @Override
          public void outboundUncompressedSize(long bytes) {
            if (bytes > 0) {
              sentBytes.increment(bytes);
            }
          }
        };
      }
    };
  }

  /** {@code service} with every call counted; its series are created now, at 0. */
  ServerServiceDefinition instrument(ServerServiceDefinition service) {
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      metersOf(method.getMethodDescriptor());
    }
    return ServerInterceptors.intercept(service, this);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    MethodMeters counted = metersOf(call.getMethodDescriptor());
    counted.started.increment();
    ServerCall<Q, R> countingCall = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        counted.sent.increment();
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        counted.handled.get(status.getCode()).increment();
        if (status.isOk()) {
          counted.onSuccess.run();
        }
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(countingCall, headers)) {
      @Override
      public void onMessage(Q message) {
        counted.received.increment();
        super.onMessage(message);
      }
    };
  }

  private MethodMeters metersOf(MethodDescriptor<?, ?> method) {
    return meters.computeIfAbsent(method.getFullMethodName(), name -> {
      String service = MethodDescriptor.extractFullServiceName(name);
      String bare = method.getBareMethodName();
      String type = switch (method.getType()) {
        case UNARY -> "unary";
        case CLIENT_STREAMING -> "client_stream";
        case SERVER_STREAMING -> "server_stream";
        case BIDI_STREAMING, UNKNOWN -> "bidi_stream";
      };
      Map<Status.Code, Counter> handled = new EnumMap<>(Status.Code.class);
      for (Map.Entry<Status.Code, String> code : CODE_NAMES.entrySet()) {
        handled.put(code.getKey(), Counter.builder("grpc_server_handled")
            .description("Total number of RPCs completed on the server, regardless of success or failure.")
            .tags("grpc_type", type, "grpc_service", service, "grpc_method", bare, "grpc_code", code.getValue())
            .register(registry));
      }
      return new MethodMeters(
          Counter.builder("grpc_server_started").description("Total number of RPCs started on the server.")
              .tags("grpc_type", type, "grpc_service", service, "grpc_method", bare).register(registry),
          Counter.builder("grpc_server_msg_received").description("Total number of RPC stream messages received on the server.")
              .tags("grpc_type", type, "grpc_service", service, "grpc_method", bare).register(registry),
          Counter.builder("grpc_server_msg_sent").description("Total number of gRPC stream messages sent by the server.")
              .tags("grpc_type", type, "grpc_service", service, "grpc_method", bare).register(registry),
          handled, onSuccess.getOrDefault(name, () -> { }));
    });
  }

  private record MethodMeters(Counter started, Counter received, Counter sent, Map<Status.Code, Counter> handled,
      Runnable onSuccess) {}
}
