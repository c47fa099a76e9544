package io.strata.e2e.client;

import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.e2e.harness.EtcdGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every change ever made to the keys under a prefix, read from one member with a plain gRPC
 * watch from a start revision (not through the client under test): the ground truth the client's
 * writes and watches are checked against. Not thread-safe; one call at a time.
 */
final class KeyHistory {
  private KeyHistory() {}

  /** The events under {@code prefix} from {@code fromRevision} up to and including {@code toRevision}. */
  static List<Event> read(EtcdGrpc member, String prefix, long fromRevision, long toRevision, Duration timeout)
      throws InterruptedException {
    List<Event> events = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<StreamObserver<WatchRequest>> requests = new AtomicReference<>();
    WatchRequest progress = WatchRequest.newBuilder()
        .setProgressRequest(io.strata.api.etcdserverpb.WatchProgressRequest.getDefaultInstance()).build();
    // Once the watcher has caught up, a progress request is answered with the member's revision
    // (Strata answers it only then): every event up to that revision has been sent.
    requests.set(WatchGrpc.newStub(member.channel()).watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse response) {
        synchronized (events) {
          if (response.getCanceled()) {
            failure.compareAndSet(null, new AssertionError("history watch cancelled: " + response));
            done.countDown();
            return;
          }
          for (Event event : response.getEventsList()) {
            if (event.getKv().getModRevision() <= toRevision) {
              events.add(event);
            }
          }
          if (response.getCreated()) {
            requests.get().onNext(progress);
          } else if (response.getEventsCount() == 0) {
            if (response.getHeader().getRevision() >= toRevision) {
              done.countDown();
            } else {
              requests.get().onNext(progress);
            }
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        failure.compareAndSet(null, t);
        done.countDown();
      }

      @Override
      public void onCompleted() {
        done.countDown();
      }
    }));
    synchronized (events) {
      requests.get().onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
          .setKey(EtcdGrpc.bytes(prefix)).setRangeEnd(EtcdGrpc.prefixEnd(EtcdGrpc.bytes(prefix)))
          .setStartRevision(fromRevision)).build());
    }
    boolean finished = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    synchronized (events) {
      requests.get().onCompleted();
      if (failure.get() != null) {
        throw new AssertionError("reading the history of " + prefix + " failed", failure.get());
      }
      if (!finished) {
        throw new AssertionError("history of " + prefix + " not read up to revision " + toRevision + " within " + timeout);
      }
      return List.copyOf(events);
    }
  }
}
