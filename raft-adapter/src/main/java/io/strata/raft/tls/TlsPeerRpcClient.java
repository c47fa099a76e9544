package io.strata.raft.tls;

import com.alipay.sofa.jraft.ReplicatorGroup;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.InvokeContext;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcUtils;
import com.alipay.sofa.jraft.rpc.impl.MarshallerRegistry;
import com.alipay.sofa.jraft.util.DirectExecutor;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.SystemPropertyUtil;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's RPC client over TLS: the wire contract of jraft's gRPC transport (one unary method
 * {@code <request class name>/_call} per request type, protobuf messages) on channels with TLS
 * credentials. It keeps the connection rules of jraft's plaintext {@code GrpcClient}: one channel
 * per peer; a peer whose channel reaches READY is announced to the replicator group (so a leader
 * replicates to it at once); a channel in TRANSIENT_FAILURE first has its reconnect backoff reset,
 * and is dropped and dialled anew after {@code jraft.grpc.max.conn.failures.to_reset} (default 2)
 * failed checks in a row.
 *
 * <p>Threading: thread-safe. Calls never block except {@link #invokeSync}; callbacks run on the
 * callback's executor, else on a gRPC thread.
 */
final class TlsPeerRpcClient implements RpcClient {
  private static final Logger LOG = LoggerFactory.getLogger(TlsPeerRpcClient.class);
  private static final int FAILED_CHECKS_BEFORE_NEW_CHANNEL =
      SystemPropertyUtil.getInt("jraft.grpc.max.conn.failures.to_reset", 2);
  /** jraft's method name for every request type. */
  private static final String METHOD = "_call";

  private final ChannelCredentials credentials;
  private final Map<String, Message> requestPrototypes;
  private final MarshallerRegistry responses;
  private final Map<Endpoint, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<Endpoint, AtomicInteger> failedChecks = new ConcurrentHashMap<>();
  private volatile ReplicatorGroup replicators;

  TlsPeerRpcClient(ChannelCredentials credentials, Map<String, Message> requestPrototypes,
      MarshallerRegistry responses) {
    this.credentials = credentials;
    this.requestPrototypes = requestPrototypes;
    this.responses = responses;
  }

  @Override
  public boolean init(RpcOptions options) {
    return true;
  }

  @Override
  public void shutdown() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
    failedChecks.clear();
  }

  @Override
  public boolean checkConnection(Endpoint endpoint) {
    return checkConnection(endpoint, false);
  }

  @Override
  public boolean checkConnection(Endpoint endpoint, boolean createIfAbsent) {
    ManagedChannel channel = createIfAbsent ? channel(endpoint) : channels.get(endpoint);
    return channel != null && usable(endpoint, channel);
  }

  @Override
  public void closeConnection(Endpoint endpoint) {
    ManagedChannel channel = channels.remove(endpoint);
    if (channel != null) {
      channel.shutdownNow();
    }
  }

  @Override
  public void registerConnectEventListener(ReplicatorGroup replicatorGroup) {
    this.replicators = replicatorGroup;
  }

  @Override
  public Object invokeSync(Endpoint endpoint, Object request, InvokeContext context, long timeoutMs)
      throws InterruptedException, RemotingException {
    CompletableFuture<Object> reply = new CompletableFuture<>();
    invokeAsync(endpoint, request, context, (response, error) -> {
      if (error != null) {
        reply.completeExceptionally(error);
      } else {
        reply.complete(response);
      }
    }, timeoutMs);
    try {
      return reply.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reply.cancel(false);
      throw new InvokeTimeoutException(e);
    } catch (ExecutionException e) {
      throw new RemotingException(e.getCause());
    }
  }

  @Override
  public void invokeAsync(Endpoint endpoint, Object request, InvokeContext context, InvokeCallback callback,
      long timeoutMs) {
    Executor executor = callback.executor() != null ? callback.executor() : DirectExecutor.INSTANCE;
    ManagedChannel channel = channel(endpoint);
    if (!usable(endpoint, channel)) {
      executor.execute(() -> callback.complete(null, new RemotingException("Fail to connect: " + endpoint)));
      return;
    }
    ClientCalls.asyncUnaryCall(
        channel.newCall(method(request), CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)),
        (Message) request,
        new StreamObserver<Message>() {
          @Override
          public void onNext(Message response) {
            executor.execute(() -> callback.complete(response, null));
          }

          @Override
          public void onError(Throwable error) {
            executor.execute(() -> callback.complete(null, error));
          }

          @Override
          public void onCompleted() { }
        });
  }

  private MethodDescriptor<Message, Message> method(Object request) {
    String type = request.getClass().getName();
    Message prototype = requestPrototypes.get(type);
    if (prototype == null) {
      throw new IllegalArgumentException("no protobuf prototype registered for " + type);
    }
    return MethodDescriptor.<Message, Message>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(type, METHOD))
        .setRequestMarshaller(ProtoUtils.marshaller(prototype))
        .setResponseMarshaller(ProtoUtils.marshaller(responses.findResponseInstanceByRequest(type)))
        .build();
  }

  private ManagedChannel channel(Endpoint endpoint) {
    return channels.computeIfAbsent(endpoint, this::newChannel);
  }

  private ManagedChannel newChannel(Endpoint endpoint) {
    ManagedChannel channel = NettyChannelBuilder.forAddress(endpoint.getIp(), endpoint.getPort(), credentials)
        .directExecutor()
        .maxInboundMessageSize(PeerRpcFactory.MAX_INBOUND_MESSAGE_BYTES)
        .build();
    watch(endpoint, channel, ConnectivityState.IDLE);
    return channel;
  }

  private void watch(Endpoint endpoint, ManagedChannel channel, ConnectivityState from) {
    channel.notifyWhenStateChanged(from, () -> {
      ConnectivityState now = channel.getState(false);
      if (now == ConnectivityState.READY) {
        failedChecks.remove(endpoint);
        announce(endpoint);
      }
      if (now != ConnectivityState.SHUTDOWN) {
        watch(endpoint, channel, now);
      }
    });
  }

  /** A connected peer: its replicator (on a leader) may send at once instead of waiting. */
  private void announce(Endpoint endpoint) {
    ReplicatorGroup group = replicators;
    if (group == null) {
      return;
    }
    PeerId peer = new PeerId();
    if (peer.parse(endpoint.toString())) {
      RpcUtils.runInThread(() -> group.checkReplicator(peer, true));
    } else {
      LOG.error("cannot parse the peer address {}", endpoint);
    }
  }

  /**
   * False once the channel has failed {@link #FAILED_CHECKS_BEFORE_NEW_CHANNEL} checks in a row; it
   * is then dropped, so the next call dials anew (with fresh TLS material).
   */
  private boolean usable(Endpoint endpoint, ManagedChannel channel) {
    ConnectivityState state = channel.getState(false);
    if (state != ConnectivityState.TRANSIENT_FAILURE && state != ConnectivityState.SHUTDOWN) {
      return true;
    }
    int failed = failedChecks.computeIfAbsent(endpoint, e -> new AtomicInteger()).incrementAndGet();
    if (failed < FAILED_CHECKS_BEFORE_NEW_CHANNEL) {
      if (failed == FAILED_CHECKS_BEFORE_NEW_CHANNEL - 1) {
        channel.resetConnectBackoff();
      }
      return true;
    }
    failedChecks.remove(endpoint);
    channels.remove(endpoint, channel);
    channel.shutdownNow();
    return false;
  }
}
