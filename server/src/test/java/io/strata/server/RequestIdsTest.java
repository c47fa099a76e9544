package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The retry contract at a member's API, through grpc-java's in-process transport: the interceptor
 * reads the request id and the retry marker, answers with the "checked" header, and the proposer
 * refuses a retry it cannot deduplicate before it reaches Raft (this proposer has no Raft node:
 * reaching it would throw).
 */
class RequestIdsTest {
  private Server server;
  private ManagedChannel channel;
  private final AtomicReference<StrataVersion> clusterVersion = new AtomicReference<>(StrataVersion.V1_1);

  /** A put that answers with the request id it saw as the revision, or with the proposer's refusal. */
  private final class EchoKv extends KVGrpc.KVImplBase {
    private final Proposer proposer = new Proposer(null, null, null, 1000, 1 << 20, 1, null);

    EchoKv() {
      proposer.setCapabilities(clusterVersion::get);
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> response) {
      if (RequestIds.isRetry()) {
        ApplyResult refused = proposer.propose(Entry.newBuilder().setPut(request)).join();
        response.onError(EtcdErrors.fromRpcError(refused.getError()));
        return;
      }
      response.onNext(PutResponse.newBuilder()
          .setHeader(ResponseHeader.newBuilder().setRevision(RequestIds.current())).build());
      response.onCompleted();
    }
  }

  private KVGrpc.KVBlockingStub start(boolean readsRequestIds, String requestId, String retry,
      AtomicReference<Metadata> responseHeaders) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(new EchoKv(),
            List.of(new RequestIds(readsRequestIds), new ResponseMetadata())))
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    Metadata headers = new Metadata();
    if (requestId != null) {
      headers.put(RequestIds.METADATA, requestId);
    }
    if (retry != null) {
      headers.put(RequestIds.RETRY, retry);
    }
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    return KVGrpc.newBlockingStub(channel).withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(headers),
        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers));
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void aRequestIdIsReadAndTheAnswerSaysTheMarkerIsChecked() throws Exception {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    PutResponse response = start(true, "18446744073709551615", null, headers).put(PutRequest.getDefaultInstance());
    assertThat(response.getHeader().getRevision()).isEqualTo(-1L); // 2^64 - 1, unsigned
    assertThat(headers.get().get(RequestIds.RETRY_CHECKED)).isEqualTo("1");
  }

  @Test
  void aMemberEmulatingAnOlderVersionIgnoresTheIdButStillChecksTheMarker() throws Exception {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    assertThat(start(false, "not-a-number", null, headers).put(PutRequest.getDefaultInstance())
        .getHeader().getRevision()).isZero();
    assertThat(headers.get().get(RequestIds.RETRY_CHECKED)).isEqualTo("1");
  }

  @Test
  void aCallWithoutIdOrMarkerGetsNoCheckedHeader() throws Exception {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    start(true, null, null, headers).put(PutRequest.getDefaultInstance());
    assertThat(headers.get().get(RequestIds.RETRY_CHECKED)).isNull();
  }

  @Test
  void aRetryIsRefusedWhileTheClusterVersionIsBelow12() throws Exception {
    KVGrpc.KVBlockingStub kv = start(true, "7", "1", new AtomicReference<>());
    assertThatThrownBy(() -> kv.put(PutRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).startsWith("strata: retried write refused: ");
        });
  }

  @Test
  void aRetryWithoutRequestIdIsRefusedEvenAt12() throws Exception {
    clusterVersion.set(StrataVersion.V1_2);
    KVGrpc.KVBlockingStub kv = start(false, "7", "1", new AtomicReference<>());
    assertThatThrownBy(() -> kv.put(PutRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
  }

  @Test
  void aMalformedMarkerIsInvalid() throws Exception {
    KVGrpc.KVBlockingStub kv = start(true, "7", "yes", new AtomicReference<>());
    assertThatThrownBy(() -> kv.put(PutRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo("strata: strata-request-retry must be 1, not 'yes'");
        });
  }
}
