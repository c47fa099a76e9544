package io.strata.server;

import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.MaintenanceGrpc;
import io.strata.api.etcdserverpb.StatusRequest;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.storage.ReadView;

/**
 * etcd's Maintenance service. Status reports what etcd reports, from this member's own view.
 *
 * <p>Threading: gRPC threads; reads only.
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private final MemberContext member;
  private final long quotaBackendBytes;
  private final String serverVersion;

  MaintenanceService(MemberContext member, long quotaBackendBytes, String serverVersion) {
    this.member = member;
    this.quotaBackendBytes = quotaBackendBytes;
    this.serverVersion = serverVersion;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
    long revision;
    try (ReadView view = member.backend().readView()) {
      revision = view.currentRevision();
    }
    observer.onNext(StatusResponse.newBuilder()
        .setHeader(member.header(revision))
        .setVersion(ServerVersion.wire(serverVersion))
        .setDbSize(member.backend().sizeBytes())
        .setDbSizeInUse(member.backend().sizeInUseBytes())
        .setLeader(member.leaderId())
        .setRaftIndex(member.raft().committedIndex())
        .setRaftTerm(member.raft().term())
        .setRaftAppliedIndex(member.raft().appliedIndex())
        .setDbSizeQuota(quotaBackendBytes)
        .build());
    observer.onCompleted();
  }
}
