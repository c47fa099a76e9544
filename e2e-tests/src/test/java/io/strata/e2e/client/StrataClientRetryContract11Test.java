package io.strata.e2e.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.mvccpb.Event;
import io.strata.client.StrataClient;
import io.strata.client.WriteOutcomeUnknownException;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.VersionWaits;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client's retry contract on a cluster that cannot deduplicate (every member emulating 1.1,
 * cluster version 1.1, request ids ignored): a member refuses a write marked as a retry, so a
 * write whose outcome is unknown is reported as such instead of being applied again, and ordinary
 * writes still work.
 */
@Tag("strata")
class StrataClientRetryContract11Test {
  private static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("strata-request-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> RETRY = Metadata.Key.of("strata-request-retry", Metadata.ASCII_STRING_MARSHALLER);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  @Test
  void a_write_with_an_unknown_outcome_is_not_retried_blindly_at_cluster_version_1_1() throws Exception {
    Cluster cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers().withExtraFlags("--emulate-version", "1.1"));
    VersionWaits.awaitVersions(cluster, "cluster version 1.1", VersionWaits.clusterVersion("1.1"));
    Member leader = cluster.leader();
    Member follower = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();

    // The member's side of the contract: a marked retry is refused, and nothing is applied.
    Metadata marked = new Metadata();
    marked.put(REQUEST_ID, "77");
    marked.put(RETRY, "1");
    assertThatThrownBy(() -> cluster.grpc(follower).kv(EtcdGrpc.DEFAULT_DEADLINE)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(marked))
        .put(EtcdGrpc.putRequest("retry/raw", "v")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).startsWith("strata: retried write refused: ");
        });
    assertThat(cluster.grpc(leader).range(RangeRequest.newBuilder().setKey(bytes("retry/raw")).build()).getCount()).isZero();

    // The client's side: through the follower only, so the write is forwarded to the leader.
    try (StrataClient client = StrataClient.builder().endpoints(follower.clientEndpoint())
        .requestTimeout(Duration.ofSeconds(20)).build()) {
      long before = client.kv().put(bytes("retry/k"), bytes("ordinary")).join().getHeader().getRevision();

      // The leader dies with the write on its way: the follower cannot tell whether it was applied.
      cluster.kill(leader);
      assertThatThrownBy(() -> client.kv().put(bytes("retry/k"), bytes("in-doubt")).join())
          .isInstanceOf(CompletionException.class)
          .cause().isInstanceOfSatisfying(WriteOutcomeUnknownException.class, e -> {
            assertThat(e.getMessage()).startsWith("Put may or may not have been applied: UNAVAILABLE etcdserver: ")
                .contains("the cluster refused the retry because it cannot deduplicate it");
            assertThat(e.getSuppressed()).singleElement().extracting(Throwable::getMessage).asString()
                .startsWith("FAILED_PRECONDITION: strata: retried write refused");
          });

      // Ordinary writes work again once a new leader is elected (no retry involved: "no leader" is
      // a refusal before anything was applied).
      cluster.awaitLeader(Duration.ofSeconds(30));
      long after = client.kv().put(bytes("retry/k"), bytes("after")).join().getHeader().getRevision();
      cluster.start(leader);

      List<Event> history = KeyHistory.read(cluster.grpc(follower), "retry/", before, after, Duration.ofSeconds(30));
      List<String> values = history.stream().map(e -> e.getKv().getValue().toStringUtf8()).toList();
      assertThat(values).startsWith("ordinary").endsWith("after");
      assertThat(values.stream().filter("in-doubt"::equals).count()).as("the write in doubt, applied at most once")
          .isLessThanOrEqualTo(1);
    }
  }
}
