package io.strata.raft;

import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.MarshallerHelper;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import com.google.protobuf.Message;
import io.strata.raft.tls.PeerRpcFactory;
import io.strata.raft.tls.TlsMaterial;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Strata's own peer RPCs over jraft's gRPC transport (the same port and TLS as Raft's messages). A
 * handler answers one protobuf request type with one protobuf response type.
 *
 * <p>Threading: handlers run on the transport's executor and must not block; {@link #call} never
 * blocks and completes its future on a transport thread.
 */
public final class PeerTransport implements AutoCloseable {
  private final RpcServer server;
  private final RpcClient client;

  /** {@code tls}: the peer TLS material when the peer port speaks TLS, else null. */
  PeerTransport(RpcServer server, TlsMaterial tls) {
    this.server = server;
    this.client = PeerRpcFactory.instance().createRpcClient(tls);
    this.client.init(new RpcOptions());
  }

  /** Registers the message types of one RPC so jraft's gRPC transport can carry them. */
  public static <Q extends Message, R extends Message> void registerTypes(Q requestPrototype, R responsePrototype) {
    String requestName = requestPrototype.getClass().getName();
    RpcFactoryHelper.rpcFactory().registerProtobufSerializer(requestName, requestPrototype);
    RpcFactoryHelper.rpcFactory().registerProtobufSerializer(responsePrototype.getClass().getName(), responsePrototype);
    MarshallerHelper.registerRespInstance(requestName, responsePrototype);
  }

  /** Serves requests of {@code requestPrototype}'s type; {@code handler} replies through its second argument. */
  public <Q extends Message, R extends Message> void handle(Q requestPrototype, R responsePrototype,
      BiConsumer<Q, CompletableFuture<R>> handler) {
    registerTypes(requestPrototype, responsePrototype);
    String interest = requestPrototype.getClass().getName();
    server.registerProcessor(new RpcProcessor<Q>() {
      @Override
      public void handleRequest(RpcContext ctx, Q request) {
        CompletableFuture<R> reply = new CompletableFuture<>();
        reply.whenComplete((response, error) -> ctx.sendResponse(error == null ? response
            : RpcFactoryHelper.responseFactory().newResponse(null, com.alipay.sofa.jraft.error.RaftError.EINTERNAL,
                "%s", error.toString())));
        handler.accept(request, reply);
      }

      @Override
      public String interest() {
        return interest;
      }
    });
  }

  /** Sends {@code request} to the member at {@code peer} (host:port). */
  @SuppressWarnings("unchecked")
  public <R extends Message> CompletableFuture<R> call(String peer, Message request, long timeoutMs) {
    CompletableFuture<R> result = new CompletableFuture<>();
    try {
      client.invokeAsync(RaftNode.endpoint(peer), request, (response, error) -> {
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete((R) response);
        }
      }, timeoutMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.completeExceptionally(e);
    } catch (Exception e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  @Override
  public void close() {
    client.shutdown();
  }
}
