package io.strata.server;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.DowngradeRequest;
import io.strata.api.etcdserverpb.DowngradeResponse;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.raftpb.DowngradeInfoSet;
import io.strata.api.raftpb.Entry;
import io.strata.api.version.Version;
import io.strata.storage.Migration;
import io.strata.storage.ReadView;
import io.strata.storage.StorageVersion;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Maintenance.Downgrade}: VALIDATE, ENABLE and CANCEL with etcd's checks, order, codes and
 * messages. Every action first passes a linearizable read barrier, so it judges the cluster and
 * downgrade state as of the request. ENABLE and CANCEL only record the decision through Raft; the
 * leader's {@link ClusterVersionMonitor} then moves the cluster version, and {@link ClusterVersions}
 * lowers the storage version on every member.
 *
 * <p>Beyond etcd: VALIDATE and ENABLE say what the downgrade will remove from this member's data,
 * one line per schema step, in the response header {@value #PLAN_HEADER}.
 *
 * <p>Threading: called on gRPC threads; the work after the barrier runs on {@code executor}.
 */
final class ClusterDowngrade {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterDowngrade.class);
  static final String PLAN_HEADER = "strata-downgrade-plan";
  private static final Metadata.Key<String> PLAN_KEY = Metadata.Key.of(PLAN_HEADER, Metadata.ASCII_STRING_MARSHALLER);
  static final StatusRuntimeException UNKNOWN_METHOD =
      EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: unknown method");

  private final MemberContext member;
  private final Proposer proposer;
  private final LinearizableReads reads;
  private final ClusterVersions versions;
  private final Executor executor;

  ClusterDowngrade(MemberContext member, Proposer proposer, LinearizableReads reads, ClusterVersions versions,
      Executor executor) {
    this.member = member;
    this.proposer = proposer;
    this.reads = reads;
    this.versions = versions;
    this.executor = executor;
  }

  void handle(DowngradeRequest request, StreamObserver<DowngradeResponse> observer) {
    Metadata responseHeaders = ResponseMetadata.current();
    switch (request.getAction()) {
      case VALIDATE, ENABLE -> {
        try {
          ClusterVersionPolicy.parseTarget(request.getVersion());
          versions.current().orElseThrow(() -> ClusterVersionPolicy.CLUSTER_VERSION_UNKNOWN);
        } catch (StatusRuntimeException e) {
          observer.onError(e);
          return;
        }
        afterBarrier(observer, () -> {
          Version target = ClusterVersionPolicy.validateDowngrade(request.getVersion(), versions.current(),
              versions.downgrade());
          refuseLearnersBelowTheirVersion(target);
          List<String> plan = plan(target);
          plan.forEach(line -> responseHeaders.put(PLAN_KEY, line));
          if (request.getAction() == DowngradeRequest.DowngradeAction.VALIDATE) {
            reply(observer);
            return;
          }
          LOG.info("enabling a downgrade to {}; on this member it will: {}", target, plan);
          Replies.whenApplied(proposer.propose(Entry.newBuilder().setDowngradeInfoSet(
              DowngradeInfoSet.newBuilder().setEnabled(true).setTargetVersion(target.toString()))), observer,
              applied -> response());
        });
      }
      case CANCEL -> afterBarrier(observer, () -> {
        if (!versions.downgrade().getEnabled()) {
          throw ClusterVersionPolicy.NO_INFLIGHT_DOWNGRADE;
        }
        LOG.info("cancelling the downgrade to {}", versions.downgrade().getTargetVersion());
        Replies.whenApplied(proposer.propose(Entry.newBuilder().setDowngradeInfoSet(
            DowngradeInfoSet.newBuilder().setEnabled(false))), observer, applied -> response());
      });
      default -> observer.onError(UNKNOWN_METHOD);
    }
  }

  /** Runs {@code action} once the read barrier passed; an etcd error it throws is the reply. */
  private void afterBarrier(StreamObserver<DowngradeResponse> observer, Runnable action) {
    reads.await().whenCompleteAsync((ready, failure) -> {
      if (failure != null) {
        observer.onError(LinearizableReads.asStatus(failure));
        return;
      }
      try {
        action.run();
      } catch (StatusRuntimeException e) {
        observer.onError(e);
      }
    }, executor);
  }

  /**
   * A version without learners would read a learner's record as a voter's: such a downgrade is
   * refused until the learner is promoted or removed (Strata's rule; etcd has no such check).
   */
  private void refuseLearnersBelowTheirVersion(Version target) {
    if (StrataVersion.of(target).supportsLearners()) {
      return;
    }
    try (ReadView view = member.backend().readView()) {
      for (Member m : view.members()) {
        if (m.getIsLearner()) {
          throw EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "strata: cannot downgrade to " + target
              + " while member " + Long.toHexString(m.getID()) + " is a learner (" + target
              + " has no learners); promote or remove it first");
        }
      }
    }
  }

  /** What lowering this member's data to {@code target} removes, one line per step. */
  private List<String> plan(Version target) {
    Optional<Version> storage;
    try (ReadView view = member.backend().readView()) {
      storage = StorageVersion.of(view);
    }
    return storage.isEmpty() || !storage.get().isNewerThan(target) ? List.of()
        : Migration.preview(member.backend(), storage.get(), target);
  }

  private void reply(StreamObserver<DowngradeResponse> observer) {
    observer.onNext(response());
    observer.onCompleted();
  }

  private DowngradeResponse response() {
    return DowngradeResponse.newBuilder()
        .setHeader(member.header(0))
        .setVersion(versions.current().map(Version::toString).orElse(""))
        .build();
  }
}
