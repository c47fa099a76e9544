package io.strata.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.strata.api.etcdserverpb.AlarmRequest;
import io.strata.api.etcdserverpb.AlarmResponse;
import io.strata.api.etcdserverpb.DefragmentRequest;
import io.strata.api.etcdserverpb.DefragmentResponse;
import io.strata.api.etcdserverpb.DowngradeRequest;
import io.strata.api.etcdserverpb.DowngradeResponse;
import io.strata.api.etcdserverpb.HashKVRequest;
import io.strata.api.etcdserverpb.HashKVResponse;
import io.strata.api.etcdserverpb.HashRequest;
import io.strata.api.etcdserverpb.HashResponse;
import io.strata.api.etcdserverpb.MaintenanceGrpc;
import io.strata.api.etcdserverpb.MoveLeaderRequest;
import io.strata.api.etcdserverpb.MoveLeaderResponse;
import io.strata.api.etcdserverpb.SnapshotRequest;
import io.strata.api.etcdserverpb.SnapshotResponse;
import io.strata.api.etcdserverpb.StatusRequest;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.client.internal.CallKind;
import io.strata.client.internal.Invoker;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Maintenance service. The calls about one member (status, defragment, hash, hashKV,
 * snapshot) name the endpoint to ask; they are retried on that endpoint only. Alarm, move-leader
 * and downgrade go to any member; the ones that change something are sent again only if they
 * never left the client ({@code MoveLeader} moves on while a member answers "not leader", since
 * only the leader can serve it).
 *
 * <p>Threading: thread-safe; every method returns at once, futures complete on the client's
 * executor. {@link #snapshot} writes to its stream on that executor.
 */
public final class MaintenanceClient {
  private final Invoker invoker;

  MaintenanceClient(Invoker invoker) {
    this.invoker = invoker;
  }

  public CompletableFuture<StatusResponse> status(Endpoint endpoint) {
    return invoker.callOn(endpoint, MaintenanceGrpc.getStatusMethod(), StatusRequest.getDefaultInstance(), CallKind.READ);
  }

  /** Lists ({@code GET}), raises or disarms alarms. */
  public CompletableFuture<AlarmResponse> alarm(AlarmRequest request) {
    CallKind kind = request.getAction() == AlarmRequest.AlarmAction.GET ? CallKind.READ : CallKind.WRITE;
    return invoker.call(MaintenanceGrpc.getAlarmMethod(), request, kind);
  }

  public CompletableFuture<DefragmentResponse> defragment(Endpoint endpoint) {
    return invoker.callOn(endpoint, MaintenanceGrpc.getDefragmentMethod(), DefragmentRequest.getDefaultInstance(),
        CallKind.WRITE);
  }

  public CompletableFuture<HashResponse> hash(Endpoint endpoint) {
    return invoker.callOn(endpoint, MaintenanceGrpc.getHashMethod(), HashRequest.getDefaultInstance(), CallKind.READ);
  }

  /** The member's hash of the keys up to {@code revision} (0: the latest). */
  public CompletableFuture<HashKVResponse> hashKV(Endpoint endpoint, long revision) {
    return invoker.callOn(endpoint, MaintenanceGrpc.getHashKVMethod(),
        HashKVRequest.newBuilder().setRevision(revision).build(), CallKind.READ);
  }

  public CompletableFuture<MoveLeaderResponse> moveLeader(long targetMemberId) {
    return invoker.call(MaintenanceGrpc.getMoveLeaderMethod(),
        MoveLeaderRequest.newBuilder().setTargetID(targetMemberId).build(), CallKind.WRITE);
  }

  /** Validates, enables or cancels a downgrade (validating is a read). */
  public CompletableFuture<DowngradeResponse> downgrade(DowngradeRequest request) {
    CallKind kind = request.getAction() == DowngradeRequest.DowngradeAction.VALIDATE ? CallKind.READ : CallKind.WRITE;
    return invoker.call(MaintenanceGrpc.getDowngradeMethod(), request, kind);
  }

  /**
   * Validates a downgrade to {@code targetVersion} (a read) and returns the answer with the storage
   * plan a Strata member attaches to it.
   */
  public CompletableFuture<DowngradeValidation> validateDowngrade(String targetVersion) {
    DowngradeRequest request = DowngradeRequest.newBuilder()
        .setAction(DowngradeRequest.DowngradeAction.VALIDATE).setVersion(targetVersion).build();
    return invoker.callWithMetadata(MaintenanceGrpc.getDowngradeMethod(), request, CallKind.READ)
        .thenApply(answer -> new DowngradeValidation(answer.response(),
            DowngradeValidation.plan(answer.headers(), answer.trailers())));
  }

  /**
   * Streams {@code endpoint}'s snapshot of the database into {@code out} (not closed) and completes
   * with the number of bytes written. No deadline: a large snapshot takes as long as it takes; a
   * failure fails the future (what was written is then incomplete).
   */
  public CompletableFuture<Long> snapshot(Endpoint endpoint, OutputStream out) {
    CompletableFuture<Long> written = new CompletableFuture<>();
    invoker.streamHeaders(new Metadata()).whenComplete((headers, loginFailure) -> {
      if (loginFailure != null) {
        written.completeExceptionally(loginFailure);
        return;
      }
      ClientCall<SnapshotRequest, SnapshotResponse> call;
      try {
        call = invoker.channels().get(endpoint).newCall(MaintenanceGrpc.getSnapshotMethod(), CallOptions.DEFAULT);
      } catch (IllegalStateException closed) {
        written.completeExceptionally(closed);
        return;
      }
      call.start(new ClientCall.Listener<>() {
        private long bytes;
        private IOException writeFailure;

        @Override
        public void onMessage(SnapshotResponse message) {
          try {
            message.getBlob().writeTo(out);
            bytes += message.getBlob().size();
            call.request(1);
          } catch (IOException e) {
            writeFailure = e;
            call.cancel("cannot write the snapshot", e);
          }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          if (writeFailure != null) {
            written.completeExceptionally(writeFailure);
          } else if (status.isOk()) {
            written.complete(bytes);
          } else {
            written.completeExceptionally(status.asRuntimeException(trailers));
          }
        }
      }, headers);
      call.request(1);
      call.sendMessage(SnapshotRequest.getDefaultInstance());
      call.halfClose();
    });
    return written;
  }
}
