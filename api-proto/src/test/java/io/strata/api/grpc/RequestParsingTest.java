package io.strata.api.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.grpc.RequestParsing.UnknownFields;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestParsingTest {
  /** A length-delimited field 1 that claims 127 bytes and has one. */
  private static final byte[] TRUNCATED = {0x0a, 0x7f, 0x61};

  private final List<Object> received = new CopyOnWriteArrayList<>();
  private final List<Object> seenByInterceptor = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Throwable> watchEnded = new CompletableFuture<>();
  private Server server;
  private ManagedChannel channel;

  /** Records what it is handed: puts and txns answer at once, a watch stream waits for its end. */
  private final class RecordingService {
    KVGrpc.AsyncService kv() {
      return new KVGrpc.AsyncService() {
        @Override
        public void put(PutRequest request, StreamObserver<PutResponse> observer) {
          received.add(request);
          observer.onNext(PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(7)).build());
          observer.onCompleted();
        }

        @Override
        public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
          received.add(request);
          observer.onNext(TxnResponse.getDefaultInstance());
          observer.onCompleted();
        }
      };
    }

    WatchGrpc.AsyncService watch() {
      return new WatchGrpc.AsyncService() {
        @Override
        public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
          return new StreamObserver<>() {
            @Override
            public void onNext(WatchRequest request) {
              received.add(request);
              responses.onNext(WatchResponse.newBuilder().setCreated(true).build());
            }

            @Override
            public void onError(Throwable t) {
              watchEnded.complete(t);
            }

            @Override
            public void onCompleted() {
              watchEnded.complete(null);
            }
          };
        }
      };
    }
  }

  private final ServerInterceptor recordingInterceptor = new ServerInterceptor() {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onMessage(Q message) {
          seenByInterceptor.add(message);
          super.onMessage(message);
        }
      };
    }
  };

  private void start(UnknownFields unknownFields) throws IOException {
    RecordingService service = new RecordingService();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name)
        .addService(RequestParsing.etcdRules(
            ServerInterceptors.intercept(KVGrpc.bindService(service.kv()), recordingInterceptor), unknownFields))
        .addService(RequestParsing.etcdRules(WatchGrpc.bindService(service.watch()), unknownFields))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void bytes_that_are_no_message_fail_with_internal_and_never_reach_the_service() throws IOException {
    start(UnknownFields.DISCARD);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, raw(KVGrpc.getPutMethod()),
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), TRUNCATED))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).startsWith("grpc: error unmarshalling request: ");
        });
    assertThat(received).isEmpty();
    assertThat(seenByInterceptor).isEmpty();

    PutResponse ok = KVGrpc.newBlockingStub(channel).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build());
    assertThat(ok.getHeader().getRevision()).as("the next call on the channel is served").isEqualTo(7);
    assertThat(seenByInterceptor).as("interceptors inside the parsing see typed messages")
        .singleElement().isInstanceOf(PutRequest.class);
  }

  @Test
  void a_malformed_message_on_a_stream_ends_it_and_the_service_learns_it_was_cancelled() throws Exception {
    start(UnknownFields.DISCARD);
    ClientCall<byte[], byte[]> call = channel.newCall(raw(WatchGrpc.getWatchMethod()), CallOptions.DEFAULT);
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(10);
    call.sendMessage(WatchRequest.getDefaultInstance().toByteArray());
    call.sendMessage(TRUNCATED);

    Status status = closed.get(5, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(watchEnded.get(5, TimeUnit.SECONDS))
        .as("the stream's request observer is told, so the service frees the stream")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(received).containsExactly(WatchRequest.getDefaultInstance());
  }

  @Test
  void discard_drops_unknown_fields_at_every_depth() throws IOException {
    start(UnknownFields.DISCARD);
    KVGrpc.newBlockingStub(channel).txn(txnWithUnknownFields());
    TxnRequest got = (TxnRequest) received.get(0);
    assertThat(got.getUnknownFields().asMap()).isEmpty();
    assertThat(got.getSuccess(0).getRequestPut().getUnknownFields().asMap()).isEmpty();
    assertThat(got.getSuccess(0).getRequestPut().getKey().toStringUtf8()).isEqualTo("k");
  }

  @Test
  void keep_leaves_unknown_fields_in_the_message() throws IOException {
    start(UnknownFields.KEEP);
    KVGrpc.newBlockingStub(channel).txn(txnWithUnknownFields());
    TxnRequest got = (TxnRequest) received.get(0);
    assertThat(got.getUnknownFields().asMap()).containsOnlyKeys(1000);
    assertThat(got.getSuccess(0).getRequestPut().getUnknownFields().asMap()).containsOnlyKeys(1000);
  }

  private static TxnRequest txnWithUnknownFields() {
    UnknownFieldSet extra = UnknownFieldSet.newBuilder()
        .addField(1000, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build();
    PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setUnknownFields(extra).build();
    return TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(put)).setUnknownFields(extra).build();
  }

  /** {@code method} with raw bytes for its messages, so that a test can send any bytes. */
  private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
    MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
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
    return method.toBuilder(bytes, bytes).build();
  }
}
