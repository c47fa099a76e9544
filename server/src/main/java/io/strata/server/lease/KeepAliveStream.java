package io.strata.server.lease;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.peerpb.LeasePeerStatus;
import io.strata.api.peerpb.LeaseRenewResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * One LeaseKeepAlive stream: one renewal in flight at a time, responses in request order. The next
 * request is pulled from the client only after the response to the last one is sent and gRPC
 * says the client reads ({@code isReady}); a client that sends keep-alives but never reads its
 * responses is held by flow control instead of piling responses up in the member.
 *
 * <p>Threading: requests arrive on gRPC's serialized callbacks, renewals complete on Raft,
 * transport or timer threads, onReady on a gRPC thread; the monitor guards every field and every
 * call on {@link #call}.
 */
final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
  private final ServerCallStreamObserver<LeaseKeepAliveResponse> call;
  private final Supplier<ResponseHeader> header;
  private final LongFunction<CompletableFuture<LeaseRenewResponse>> renew;
  private boolean inFlight;
  private boolean halfClosed;
  private boolean finished;
  /** The last response went out while the client was not reading: pull the next request on ready. */
  private boolean requestOnReady;

  private KeepAliveStream(ServerCallStreamObserver<LeaseKeepAliveResponse> call, Supplier<ResponseHeader> header,
      LongFunction<CompletableFuture<LeaseRenewResponse>> renew) {
    this.call = call;
    this.header = header;
    this.renew = renew;
  }

  /**
   * Serves a keep-alive call: {@code header} is the member's response header now, {@code renew}
   * renews a lease at the leader. Called on the gRPC thread that opened the call.
   */
  static StreamObserver<LeaseKeepAliveRequest> open(ServerCallStreamObserver<LeaseKeepAliveResponse> call,
      Supplier<ResponseHeader> header, LongFunction<CompletableFuture<LeaseRenewResponse>> renew) {
    KeepAliveStream stream = new KeepAliveStream(call, header, renew);
    call.disableAutoRequest();
    call.setOnCancelHandler(stream::cancelled);
    call.setOnReadyHandler(stream::ready);
    call.request(1);
    return stream;
  }

  @Override
  public void onNext(LeaseKeepAliveRequest request) {
    synchronized (this) {
      if (finished) {
        return;
      }
      inFlight = true;
    }
    // Header before the renewal: its revision is never newer than the renewal itself.
    ResponseHeader before = header.get();
    renew.apply(request.getID()).whenComplete((answer, failure) -> answered(request.getID(), before, answer, failure));
  }

  private synchronized void answered(long id, ResponseHeader before, LeaseRenewResponse answer, Throwable failure) {
    inFlight = false;
    if (finished) {
      return;
    }
    if (failure != null) {
      finished = true;
      call.onError(LeaderLeases.asStatus(failure));
      return;
    }
    long ttl = answer.getStatus() == LeasePeerStatus.LEASE_OK ? answer.getTtl() : 0;
    call.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(before).setID(id).setTTL(ttl).build());
    if (halfClosed) {
      finished = true;
      call.onCompleted();
    } else if (call.isReady()) {
      call.request(1);
    } else {
      requestOnReady = true;
    }
  }

  private synchronized void ready() {
    if (requestOnReady && !finished) {
      requestOnReady = false;
      call.request(1);
    }
  }

  @Override
  public void onError(Throwable t) {
    cancelled();
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    if (!inFlight && !finished) {
      finished = true;
      call.onCompleted();
    }
  }

  synchronized void cancelled() {
    finished = true;
  }
}
