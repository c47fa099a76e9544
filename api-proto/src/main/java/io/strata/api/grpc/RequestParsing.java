package io.strata.api.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DiscardUnknownFieldsParser;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * How a member's gRPC services turn request bytes into messages, etcd's way: bytes that are no
 * valid message fail the call with INTERNAL "grpc: error unmarshalling request: ..." (what etcd's
 * grpc-go server answers; grpc-java alone would answer UNKNOWN "Application error processing
 * RPC"), and the service hears nothing more of that call but its cancellation. Optionally the
 * fields that a message type does not define are dropped while parsing, protobuf's rule for the
 * fields of a newer sender.
 *
 * <p>The service's call is not wrapped (jraft's interceptors look inside it): the parser answers
 * bytes it cannot parse with a stand-in message of their own, which the listener recognises by
 * identity before anything else sees it. Interceptors belong inside (intercept the service, then
 * wrap it): one added to the server builder would take the stand-in for an empty request.
 */
public final class RequestParsing {
  /** What happens to the fields of a request that its message type does not define. */
  public enum UnknownFields {
    /** Dropped, at any depth: neither the service nor anything it stores sees them. */
    DISCARD,
    /** Kept in the parsed message, as protobuf-java does by default. */
    KEEP
  }

  private RequestParsing() {}

  /** {@code service} with the requests of every method parsed by these rules. */
  public static ServerServiceDefinition etcdRules(ServerServiceDefinition service, UnknownFields unknownFields) {
    ServerServiceDefinition.Builder wrapped = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      wrapped.addMethod(wrap(method, unknownFields));
    }
    return wrapped.build();
  }

  private static <Q, R> ServerMethodDefinition<Q, R> wrap(ServerMethodDefinition<Q, R> method,
      UnknownFields unknownFields) {
    MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
    if (!(typed.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> marshaller)
        || !(marshaller.getMessagePrototype() instanceof Message)) {
      throw new IllegalArgumentException(typed.getFullMethodName() + " does not take a protobuf message");
    }
    TolerantMarshaller<Q> parsing = new TolerantMarshaller<>(marshaller, unknownFields);
    MethodDescriptor<Q, R> parsed = typed.toBuilder(parsing, typed.getResponseMarshaller()).build();
    ServerCallHandler<Q, R> handler = (call, headers) ->
        new ParsingListener<>(call, method.getServerCallHandler().startCall(call, headers), parsing);
    return ServerMethodDefinition.create(parsed, handler);
  }

  /**
   * Parses like the method's own marshaller, or without unknown fields; bytes that do not parse
   * become a fresh stand-in message remembered with the reason until the listener takes it.
   */
  private static final class TolerantMarshaller<Q> implements MethodDescriptor.PrototypeMarshaller<Q> {
    private final MethodDescriptor.PrototypeMarshaller<Q> original;
    private final Parser<? extends Message> discarding;
    private final Map<Object, String> refused = Collections.synchronizedMap(new IdentityHashMap<>());

    TolerantMarshaller(MethodDescriptor.PrototypeMarshaller<Q> original, UnknownFields unknownFields) {
      this.original = original;
      this.discarding = unknownFields == UnknownFields.DISCARD
          ? DiscardUnknownFieldsParser.wrap(((Message) original.getMessagePrototype()).getParserForType()) : null;
    }

    @Override
    public InputStream stream(Q value) {
      return original.stream(value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Q parse(InputStream bytes) {
      try {
        if (discarding == null) {
          return original.parse(bytes);
        }
        CodedInputStream input = CodedInputStream.newInstance(bytes.readAllBytes());
        input.enableAliasing(true);
        return (Q) discarding.parseFrom(input, ExtensionRegistryLite.getEmptyRegistry());
      } catch (IOException | RuntimeException e) {
        Q standIn = (Q) ((Message) original.getMessagePrototype()).newBuilderForType().buildPartial();
        refused.put(standIn, reason(e));
        return standIn;
      }
    }

    /** Why {@code message} could not be parsed, or null when it is a real message. */
    String refusal(Object message) {
      return refused.remove(message);
    }

    @Override
    public Q getMessagePrototype() {
      return original.getMessagePrototype();
    }

    @Override
    public Class<Q> getMessageClass() {
      return original.getMessageClass();
    }

    private static String reason(Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
  }

  /**
   * Hands the service its messages. On a stand-in it closes the call with INTERNAL, tells the
   * service that the call was cancelled (so a stream frees what it holds) and passes nothing more
   * on.
   *
   * <p>Threading: gRPC delivers the events of one call serially.
   */
  private static final class ParsingListener<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, ?> call;
    private final TolerantMarshaller<Q> parsing;
    private boolean refused;

    ParsingListener(ServerCall<Q, ?> call, ServerCall.Listener<Q> service, TolerantMarshaller<Q> parsing) {
      super(service);
      this.call = call;
      this.parsing = parsing;
    }

    @Override
    public void onMessage(Q message) {
      String refusal = parsing.refusal(message);
      if (refused) {
        return;
      }
      if (refusal != null) {
        refused = true;
        call.close(Status.INTERNAL.withDescription("grpc: error unmarshalling request: " + refusal), new Metadata());
        super.onCancel();
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (!refused) {
        super.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (!refused) {
        super.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        super.onReady();
      }
    }
  }
}
