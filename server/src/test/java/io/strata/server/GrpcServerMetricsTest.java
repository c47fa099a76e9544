package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcServerMetricsTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger rangesOk = new AtomicInteger();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void calls_are_counted_by_type_service_method_and_code_as_go_grpc_prometheus_does() throws Exception {
    GrpcServerMetrics metrics = new GrpcServerMetrics(registry, Map.of("etcdserverpb.KV/Range", rangesOk::incrementAndGet));
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(metrics.instrument(new KVGrpc.KVImplBase() {
      @Override
      public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        observer.onNext(PutResponse.getDefaultInstance());
        observer.onCompleted();
      }

      @Override
      public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        if (request.getKey().isEmpty()) {
          observer.onError(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided").asRuntimeException());
        } else {
          observer.onNext(RangeResponse.getDefaultInstance());
          observer.onCompleted();
        }
      }
    }.bindService())).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);

    String untouched = registry.scrape();
    assertThat(untouched.lines()).as("every series exists from the start").contains(
        "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 0.0",
        "grpc_server_handled_total{grpc_code=\"Unavailable\",grpc_method=\"Txn\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 0.0",
        "grpc_server_started_total{grpc_method=\"Compact\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 0.0");

    kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build());
    kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("b")).build());
    kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build());
    assertThatThrownBy(() -> kv.range(RangeRequest.getDefaultInstance())).isInstanceOf(StatusRuntimeException.class);

    assertThat(registry.scrape().lines()).contains(
        "grpc_server_started_total{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2.0",
        "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2.0",
        "grpc_server_msg_received_total{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2.0",
        "grpc_server_msg_sent_total{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2.0",
        "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1.0",
        "grpc_server_handled_total{grpc_code=\"InvalidArgument\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1.0",
        "grpc_server_msg_sent_total{grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1.0");
    assertThat(rangesOk).as("only the range that ended OK").hasValue(1);
  }

  /** etcd's gRPC codec counts each message's serialized size; so does the tracer, over a real (Netty) transport. */
  @Test
  void the_byte_counters_add_up_the_serialized_size_of_every_message_received_and_sent() throws Exception {
    GrpcServerMetrics metrics = new GrpcServerMetrics(registry, Map.of());
    RangeResponse answer = RangeResponse.newBuilder().setCount(3).setMore(true).build();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addStreamTracerFactory(metrics.byteCounter())
        .addService(metrics.instrument(new KVGrpc.KVImplBase() {
          @Override
          public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
            observer.onNext(answer);
            observer.onCompleted();
          }
        }.bindService())).build().start();
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), InsecureChannelCredentials.create()).build();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
    assertThat(registry.scrape().lines()).contains(
        "# TYPE etcd_network_client_grpc_received_bytes_total counter",
        "etcd_network_client_grpc_received_bytes_total 0.0",
        "etcd_network_client_grpc_sent_bytes_total 0.0");

    RangeRequest first = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("some/key")).setLimit(10).build();
    RangeRequest second = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setRangeEnd(ByteString.copyFromUtf8("z")).build();
    kv.range(first);
    kv.range(second);
    kv.range(RangeRequest.getDefaultInstance());

    assertThat(registry.scrape().lines()).contains(
        "etcd_network_client_grpc_received_bytes_total " + (double) (first.getSerializedSize() + second.getSerializedSize()),
        "etcd_network_client_grpc_sent_bytes_total " + (double) (3 * answer.getSerializedSize()));
  }
}
