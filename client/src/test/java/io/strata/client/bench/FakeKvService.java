package io.strata.client.bench;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory KV service for tests: Put stores, Range reads one key. Thread-safe.
 *
 * <p>Behaviour knobs, set before the service is used: {@link #failEvery} makes every n-th request
 * fail with UNAVAILABLE; {@link #answerInBatchesOf} holds Put requests until that many are pending
 * and then answers them all, which proves the caller keeps that many in flight; {@link
 * #neverAnswer} leaves every request unanswered.
 */
class FakeKvService extends KVGrpc.KVImplBase {

  final Map<ByteString, ByteString> data = new ConcurrentHashMap<>();
  final List<ByteString> putKeysInArrivalOrder = Collections.synchronizedList(new ArrayList<>());
  final AtomicLong puts = new AtomicLong();
  final AtomicLong ranges = new AtomicLong();
  final AtomicLong serializableRanges = new AtomicLong();

  private volatile int failEvery;
  private volatile int batchSize;
  private volatile boolean neverAnswer;
  private final List<StreamObserver<PutResponse>> heldPuts = new ArrayList<>();
  private int maxHeldPuts;

  FakeKvService failEvery(int n) {
    this.failEvery = n;
    return this;
  }

  FakeKvService answerInBatchesOf(int n) {
    this.batchSize = n;
    return this;
  }

  FakeKvService neverAnswer() {
    this.neverAnswer = true;
    return this;
  }

  synchronized int maxHeldPuts() {
    return maxHeldPuts;
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> responseObserver) {
    long n = puts.incrementAndGet();
    putKeysInArrivalOrder.add(request.getKey());
    if (neverAnswer) {
      return;
    }
    if (shouldFail(n)) {
      responseObserver.onError(Status.UNAVAILABLE.withDescription("request " + n).asRuntimeException());
      return;
    }
    data.put(request.getKey(), request.getValue());
    if (batchSize > 0) {
      holdUntilBatchIsFull(responseObserver);
      return;
    }
    answer(responseObserver);
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> responseObserver) {
    long n = ranges.incrementAndGet();
    if (request.getSerializable()) {
      serializableRanges.incrementAndGet();
    }
    if (neverAnswer) {
      return;
    }
    if (shouldFail(n)) {
      responseObserver.onError(Status.UNAVAILABLE.withDescription("request " + n).asRuntimeException());
      return;
    }
    RangeResponse.Builder response = RangeResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance());
    ByteString value = data.get(request.getKey());
    if (value != null) {
      response.addKvs(KeyValue.newBuilder().setKey(request.getKey()).setValue(value)).setCount(1);
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  private boolean shouldFail(long requestNumber) {
    int every = failEvery;
    return every > 0 && requestNumber % every == 0;
  }

  private void holdUntilBatchIsFull(StreamObserver<PutResponse> responseObserver) {
    List<StreamObserver<PutResponse>> batch;
    synchronized (this) {
      heldPuts.add(responseObserver);
      maxHeldPuts = Math.max(maxHeldPuts, heldPuts.size());
      if (heldPuts.size() < batchSize) {
        return;
      }
      batch = new ArrayList<>(heldPuts);
      heldPuts.clear();
    }
    batch.forEach(FakeKvService::answer);
  }

  private static void answer(StreamObserver<PutResponse> responseObserver) {
    responseObserver.onNext(PutResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance()).build());
    responseObserver.onCompleted();
  }
}
