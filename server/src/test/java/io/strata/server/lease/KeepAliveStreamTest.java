package io.strata.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.peerpb.LeaseRenewResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive stream pulls the next request only while its client reads the responses. The
 * in-process transport with direct executors runs every step on the caller's thread, and calls a
 * server stream ready exactly while its client has asked for more responses than it got, so what
 * the member did is known as soon as each client call returns.
 */
class KeepAliveStreamTest {
  private static final int KEEP_ALIVES = 100;

  private final AtomicInteger renewals = new AtomicInteger();
  private final List<LeaseKeepAliveResponse> received = new CopyOnWriteArrayList<>();
  private Server server;
  private ManagedChannel channel;
  private ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call;
  private final CompletableFuture<Status> closed = new CompletableFuture<>();

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new LeaseGrpc.LeaseImplBase() {
      @Override
      public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
        return KeepAliveStream.open((ServerCallStreamObserver<LeaseKeepAliveResponse>) responses,
            () -> ResponseHeader.newBuilder().setRevision(renewals.get()).build(),
            id -> {
              renewals.incrementAndGet();
              return CompletableFuture.completedFuture(
                  LeaseRenewResponse.newBuilder().setStatus(LeasePeerStatus.LEASE_OK).setTtl(30).build());
            });
      }
    }).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    call = channel.newCall(LeaseGrpc.getLeaseKeepAliveMethod(), CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(LeaseKeepAliveResponse response) {
        received.add(response);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void a_client_that_does_not_read_gets_one_renewal_and_the_rest_wait_in_order_until_it_reads()
      throws Exception {
    for (int id = 1; id <= KEEP_ALIVES; id++) {
      call.sendMessage(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    }
    assertThat(renewals).as("renewals while the client reads nothing").hasValue(1);
    assertThat(received).isEmpty();

    call.request(KEEP_ALIVES);
    assertThat(renewals).hasValue(KEEP_ALIVES);
    assertThat(received).extracting(LeaseKeepAliveResponse::getID)
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, KEEP_ALIVES).boxed().toList());
    assertThat(received).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(30));

    call.halfClose();
    assertThat(closed.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void a_client_that_reads_gets_every_answer_as_it_sends() {
    call.request(Integer.MAX_VALUE);
    for (int id = 1; id <= KEEP_ALIVES; id++) {
      call.sendMessage(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      assertThat(received).hasSize(id);
    }
    assertThat(renewals).hasValue(KEEP_ALIVES);
  }
}
