package io.strata.e2e.harness;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.CompactionResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.MaintenanceGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.StatusRequest;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.api.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plain gRPC access to one member with etcd's generated stubs: no retries, no leader discovery,
 * a deadline on every call. What the member answers is what the test sees.
 */
public final class EtcdGrpc implements AutoCloseable {
  /** Deadline of one call unless the caller gives another. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

  private static final Metadata.Key<String> REQUEST_ID =
      Metadata.Key.of("strata-request-id", Metadata.ASCII_STRING_MARSHALLER);

  private final String endpoint;
  private final ManagedChannel channel;

  private EtcdGrpc(String endpoint, ManagedChannel channel) {
    this.endpoint = endpoint;
    this.channel = channel;
  }

  /** A channel to {@code host:port} (plaintext). */
  public static EtcdGrpc connect(String endpoint) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(endpoint)
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
    return new EtcdGrpc(endpoint, channel);
  }

  /**
   * A TLS channel to {@code host:port}: trusts {@code caFile}; presents {@code certFile} with
   * {@code keyFile} (PKCS#8) unless they are null.
   */
  public static EtcdGrpc connectTls(String endpoint, java.nio.file.Path caFile, java.nio.file.Path certFile,
      java.nio.file.Path keyFile) {
    TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder();
    try {
      credentials.trustManager(caFile.toFile());
      if (certFile != null) {
        credentials.keyManager(certFile.toFile(), keyFile.toFile());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ManagedChannel channel = Grpc.newChannelBuilder(endpoint, credentials.build())
        .maxInboundMessageSize(64 << 20)
        .build();
    return new EtcdGrpc(endpoint, channel);
  }

  /** The channel, for stubs of services this class has no shortcut for. */
  public ManagedChannel channel() {
    return channel;
  }

  public String endpoint() {
    return endpoint;
  }

  /** Forgets the reconnect backoff, so a member that just came back is dialled at once. */
  public void resetBackoff() {
    channel.resetConnectBackoff();
  }

  public MaintenanceGrpc.MaintenanceBlockingStub maintenance(Duration deadline) {
    return MaintenanceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  public KVGrpc.KVBlockingStub kv(Duration deadline) {
    return KVGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The KV stub sending {@code requestId} as Strata's idempotent-write request id (gRPC metadata
   * {@code strata-request-id}); the plain stub when it is null.
   */
  public KVGrpc.KVBlockingStub kvWithRequestId(Duration deadline, String requestId) {
    if (requestId == null) {
      return kv(deadline);
    }
    Metadata metadata = new Metadata();
    metadata.put(REQUEST_ID, requestId);
    return kv(deadline).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
  }

  public KVGrpc.KVFutureStub kvAsync(Duration deadline) {
    return KVGrpc.newFutureStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  public StatusResponse status() {
    return status(Duration.ofSeconds(2));
  }

  public StatusResponse status(Duration deadline) {
    return maintenance(deadline).status(StatusRequest.getDefaultInstance());
  }

  public PutResponse put(String key, String value) {
    return kv(DEFAULT_DEADLINE).put(putRequest(key, value));
  }

  public PutResponse put(String key, String value, Duration deadline) {
    return kv(deadline).put(putRequest(key, value));
  }

  public ListenableFuture<PutResponse> putAsync(String key, String value, Duration deadline) {
    return kvAsync(deadline).put(putRequest(key, value));
  }

  public RangeResponse range(RangeRequest request) {
    return kv(DEFAULT_DEADLINE).range(request);
  }

  /** The value of {@code key}, or null; linearizable unless {@code serializable}. */
  public String get(String key, boolean serializable) {
    RangeResponse r = range(RangeRequest.newBuilder().setKey(bytes(key))
        .setSerializable(serializable).build());
    return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
  }

  /** All keys under {@code prefix} with their values, in key order. */
  public Map<String, String> getPrefix(String prefix, boolean serializable) {
    RangeResponse r = range(RangeRequest.newBuilder()
        .setKey(bytes(prefix))
        .setRangeEnd(prefixEnd(bytes(prefix)))
        .setSerializable(serializable)
        .build());
    Map<String, String> out = new LinkedHashMap<>();
    for (KeyValue kv : r.getKvsList()) {
      out.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8());
    }
    return out;
  }

  public CompactionResponse compact(long revision) {
    return kv(DEFAULT_DEADLINE).compact(CompactionRequest.newBuilder().setRevision(revision).build());
  }

  public static PutRequest putRequest(String key, String value) {
    return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
  }

  public static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  /** etcd's {@code GetPrefixRangeEnd}: the smallest key greater than every key with this prefix. */
  public static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0}); // every key
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
