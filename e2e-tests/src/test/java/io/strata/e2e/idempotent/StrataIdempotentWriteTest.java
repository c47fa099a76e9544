package io.strata.e2e.idempotent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.mvccpb.KeyValue;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Idempotent writes (Strata 1.2): a write sent again with the same {@code strata-request-id}
 * metadata, to the leader and then to a follower (which forwards it), is applied once and
 * answered with the first result; members emulating 1.1 ignore the metadata and apply each send.
 */
@Tag("strata")
class StrataIdempotentWriteTest {

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private final SplittableRandom random = new SplittableRandom(42);

  @Test
  void a_put_sent_to_the_leader_then_to_a_follower_with_one_request_id_gives_one_revision() {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    awaitClusterVersion(cluster, "1.2");
    Member leader = cluster.leader();
    Member follower = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    String id = Long.toUnsignedString(random.nextLong() | Long.MIN_VALUE); // above the signed range

    PutRequest put = EtcdGrpc.putRequest("idem/k", "v").toBuilder().setPrevKv(true).build();
    PutResponse first = kv(cluster, leader, id).put(put);
    PutResponse again = kv(cluster, follower, id).put(put);
    assertThat(again.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision());
    assertThat(again.hasPrevKv()).as("answered with the first result: there was no previous value").isFalse();
    KeyValue stored = cluster.grpc(follower).range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes("idem/k")).build()).getKvs(0);
    assertThat(stored.getVersion()).isEqualTo(1);
    assertThat(stored.getModRevision()).isEqualTo(first.getHeader().getRevision());

    PutResponse otherId = kv(cluster, follower, Long.toUnsignedString(random.nextLong() | 1)).put(put);
    assertThat(otherId.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision() + 1);
    assertThat(otherId.getPrevKv().getValue().toStringUtf8()).isEqualTo("v");

    // A create-if-absent txn retried with its id still reports that it created the key.
    TxnRequest create = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(EtcdGrpc.bytes("idem/lock"))
            .setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.EQUAL).setVersion(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(EtcdGrpc.putRequest("idem/lock", "me")))
        .build();
    String txnId = Long.toUnsignedString(random.nextLong() | 1);
    TxnResponse created = kv(cluster, follower, txnId).txn(create);
    TxnResponse retried = kv(cluster, leader, txnId).txn(create);
    assertThat(created.getSucceeded()).isTrue();
    assertThat(retried.getSucceeded()).isTrue();
    assertThat(retried.getHeader().getRevision()).isEqualTo(created.getHeader().getRevision());
    assertThat(kv(cluster, leader, null).txn(create).getSucceeded()).as("without an id, the txn applies again").isFalse();

    assertThatThrownBy(() -> kv(cluster, leader, "not-a-number").put(put))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void members_emulating_1_1_ignore_the_request_id_and_apply_each_send() {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers().withExtraFlags("--emulate-version", "1.1"));
    awaitClusterVersion(cluster, "1.1");
    Member leader = cluster.leader();
    Member follower = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    String id = Long.toUnsignedString(random.nextLong() | 1);

    PutRequest put = EtcdGrpc.putRequest("idem/k", "v");
    PutResponse first = kv(cluster, leader, id).put(put);
    PutResponse again = kv(cluster, follower, id).put(put);
    assertThat(again.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision() + 1);
    KeyValue stored = cluster.grpc(follower).range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes("idem/k")).build()).getKvs(0);
    assertThat(stored.getVersion()).isEqualTo(2);
    assertThat(kv(cluster, leader, "not-a-number").put(put).getHeader().getRevision())
        .as("a 1.1 member does not even read the metadata").isEqualTo(again.getHeader().getRevision() + 1);
  }

  /** The KV stub of {@code member}, sending {@code requestId} as metadata (none when null). */
  private static KVGrpc.KVBlockingStub kv(Cluster cluster, Member member, String requestId) {
    return cluster.grpc(member).kvWithRequestId(EtcdGrpc.DEFAULT_DEADLINE, requestId);
  }

  private static void awaitClusterVersion(Cluster cluster, String version) {
    VersionWaits.awaitVersions(cluster, "cluster version " + version, VersionWaits.clusterVersion(version));
  }

}
