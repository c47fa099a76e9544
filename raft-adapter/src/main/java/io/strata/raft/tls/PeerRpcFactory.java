package io.strata.raft.tls;

import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.ProtobufMsgFactory;
import com.alipay.sofa.jraft.rpc.RaftRpcFactory;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.GrpcRaftRpcFactory;
import com.alipay.sofa.jraft.rpc.impl.GrpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import com.alipay.sofa.jraft.util.SPI;
import com.alipay.sofa.jraft.util.SystemPropertyUtil;
import com.google.protobuf.Message;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.util.MutableHandlerRegistry;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jraft's gRPC transport, able to run over TLS. jraft picks its RPC factory by SPI priority
 * ({@code META-INF/services/com.alipay.sofa.jraft.rpc.RaftRpcFactory}); this one outranks
 * {@link GrpcRaftRpcFactory} (priority 1) and behaves exactly as it does unless TLS is asked for:
 *
 * <ul>
 *   <li>a server: {@link #createRpcServer(Endpoint, TlsMaterial)} builds the same gRPC server as
 *       jraft's factory, with TLS server credentials, wrapped in jraft's own {@link GrpcServer};
 *   <li>a client: jraft's {@code GrpcClient} dials in plaintext and has no hook for credentials,
 *       so with TLS the client is a {@link TlsPeerRpcClient}. A Raft node gets one when its
 *       options are {@link TlsNodeOptions} (jraft hands the node's options to
 *       {@link #defaultJRaftClientConfigHelper} when it creates the node's client);
 *       {@link #createRpcClient(TlsMaterial)} makes one for Strata's own peer RPCs.
 * </ul>
 *
 * <p>Threading: thread-safe; jraft uses one instance per process ({@link RpcFactoryHelper}).
 */
@SPI(priority = 2)
public final class PeerRpcFactory extends GrpcRaftRpcFactory {
  /** jraft's limit on one inbound peer message, read from the same property as jraft's factory. */
  static final int MAX_INBOUND_MESSAGE_BYTES =
      SystemPropertyUtil.getInt("jraft.grpc.max_inbound_message_size.bytes", 4 * 1024 * 1024);

  /** The request prototypes registered so far (jraft keeps its copy package-private). */
  private final Map<String, Message> requestPrototypes = new ConcurrentHashMap<>();

  /** jraft's node options carrying the peer TLS material for the node's RPC client. */
  public static final class TlsNodeOptions extends NodeOptions {
    private final TlsMaterial tls;

    public TlsNodeOptions(TlsMaterial tls) {
      this.tls = tls;
    }
  }

  /** Passed by jraft from {@link #defaultJRaftClientConfigHelper} to {@link #createRpcClient(ConfigHelper)}. */
  private record TlsClientConfig(TlsMaterial tls) implements ConfigHelper<RpcClient> {
    @Override
    public void config(RpcClient client) { }
  }

  /**
   * The factory jraft uses in this process, with jraft's own message types registered (jraft does
   * that when it builds a Raft server; a client made before or without one needs them too). Fails
   * if the SPI registration was lost.
   */
  public static PeerRpcFactory instance() {
    RaftRpcFactory factory = RpcFactoryHelper.rpcFactory();
    if (!(factory instanceof PeerRpcFactory peer)) {
      throw new IllegalStateException("jraft uses the RPC factory " + factory.getClass().getName()
          + ", not " + PeerRpcFactory.class.getName() + "; peer TLS would be impossible");
    }
    ProtobufMsgFactory.load();
    return peer;
  }

  @Override
  public void registerProtobufSerializer(String className, Object... args) {
    super.registerProtobufSerializer(className, args);
    requestPrototypes.put(className, (Message) args[0]);
  }

  /** jraft's server on {@code endpoint}; with TLS when {@code tls} is not null. */
  public RpcServer createRpcServer(Endpoint endpoint, TlsMaterial tls) {
    if (tls == null) {
      return createRpcServer(endpoint);
    }
    MutableHandlerRegistry registry = new MutableHandlerRegistry();
    InetSocketAddress address = endpoint.getIp() == null || endpoint.getIp().isBlank()
        ? new InetSocketAddress(endpoint.getPort()) : new InetSocketAddress(endpoint.getIp(), endpoint.getPort());
    Server server = NettyServerBuilder.forAddress(address, tls.serverCredentials())
        .fallbackHandlerRegistry(registry)
        .directExecutor()
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .build();
    return new GrpcServer(server, registry, requestPrototypes, getMarshallerRegistry());
  }

  /** A client for Strata's own peer RPCs; over TLS when {@code tls} is not null. */
  public RpcClient createRpcClient(TlsMaterial tls) {
    return createRpcClient(tls == null ? null : new TlsClientConfig(tls));
  }

  @Override
  public ConfigHelper<RpcClient> defaultJRaftClientConfigHelper(RpcOptions options) {
    return options instanceof TlsNodeOptions withTls ? new TlsClientConfig(withTls.tls)
        : super.defaultJRaftClientConfigHelper(options);
  }

  @Override
  public RpcClient createRpcClient(ConfigHelper<RpcClient> helper) {
    if (helper instanceof TlsClientConfig config) {
      return new TlsPeerRpcClient(config.tls().channelCredentials(), requestPrototypes, getMarshallerRegistry());
    }
    return super.createRpcClient(helper);
  }
}
