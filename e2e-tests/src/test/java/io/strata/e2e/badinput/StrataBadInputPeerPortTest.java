package io.strata.e2e.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.peerpb.ForwardRequest;
import io.strata.api.peerpb.ForwardResponse;
import io.strata.api.peerpb.LeaseRenewRequest;
import io.strata.api.peerpb.LeaseTimeToLivePeerRequest;
import io.strata.api.peerpb.MemberVersionRequest;
import io.strata.api.raftpb.Entry;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad input at the peer port of a three-member Strata cluster, where jraft's Raft services and
 * Strata's own peer services (forwarded writes, lease renewals, version queries) listen. Each peer
 * method is a gRPC method named after its request type ({@code <request class>/_call}). Whatever
 * arrives, the member must answer an error instead of crashing, and the Raft group must stay
 * healthy: a leader all members agree on, writes through every member, nothing acknowledged lost.
 * (etcd's peer port speaks HTTP, not gRPC, so there is no etcd run of these.)
 */
@Tag("strata")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrataBadInputPeerPortTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private Cluster cluster;
  private AcknowledgedWrites acknowledged;
  private final Map<Member, ManagedChannel> peerChannels = new HashMap<>();

  @BeforeAll
  void startCluster() {
    cluster = clusters.start(Backend.STRATA, ClusterSpec.threeMembers());
    acknowledged = new AcknowledgedWrites(cluster, "/acknowledged/");
    for (Member member : cluster.members()) {
      acknowledged.writeThrough(member, 5);
    }
  }

  @AfterEach
  void raftGroupStaysHealthy() {
    cluster.awaitLeader(WAIT);
    acknowledged.assertEveryMemberServesAndLostNothing();
  }

  @AfterAll
  void closeChannels() throws InterruptedException {
    for (ManagedChannel channel : peerChannels.values()) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Every request type the peer port serves: jraft's Raft and CLI services, then Strata's. */
  private static Stream<String> peerMethods() {
    return Stream.of(
        RpcRequests.AppendEntriesRequest.class, RpcRequests.RequestVoteRequest.class,
        RpcRequests.InstallSnapshotRequest.class, RpcRequests.GetFileRequest.class,
        RpcRequests.TimeoutNowRequest.class, RpcRequests.ReadIndexRequest.class, RpcRequests.PingRequest.class,
        CliRequests.AddPeerRequest.class, CliRequests.RemovePeerRequest.class, CliRequests.ResetPeerRequest.class,
        CliRequests.ChangePeersRequest.class, CliRequests.GetLeaderRequest.class, CliRequests.SnapshotRequest.class,
        CliRequests.TransferLeaderRequest.class, CliRequests.GetPeersRequest.class,
        CliRequests.AddLearnersRequest.class, CliRequests.RemoveLearnersRequest.class,
        CliRequests.ResetLearnersRequest.class,
        ForwardRequest.class, LeaseRenewRequest.class, LeaseTimeToLivePeerRequest.class,
        MemberVersionRequest.class)
        .map(type -> type.getName() + "/_call");
  }

  /** One case for all methods: the health check after it is what takes time, not the calls. */
  @Test
  void malformed_protobuf_to_any_peer_method_of_any_member_is_an_internal_error() {
    SoftAssertions softly = new SoftAssertions();
    peerMethods().forEach(method -> {
      for (Member member : cluster.members()) {
        for (byte[] payload : RawGrpc.MALFORMED) {
          softly.assertThatThrownBy(() -> RawGrpc.unary(peer(member), method, payload))
              .as("%s of %s with %d malformed bytes", method, member.name(), payload.length)
              .isInstanceOfSatisfying(StatusRuntimeException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
        }
      }
    });
    softly.assertAll();
  }

  @Test
  void an_unknown_peer_method_is_unimplemented() {
    assertThatThrownBy(() -> RawGrpc.unary(peer(cluster.member(0)), "no.such.Request/_call", new byte[0]))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  /**
   * A forwarded write is a serialized entry that the leader proposes as it is. One without a
   * command this version knows (empty, or only fields it does not define) could be applied by no
   * member: it must be refused before it reaches the log, by every member.
   */
  @Test
  void forwarded_entries_without_a_known_command_are_refused_and_never_reach_the_log()
      throws InvalidProtocolBufferException {
    Entry onlyUnknownFields = Entry.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x")).build())
        .build()).build();
    List<ForwardRequest> forwards = List.of(
        ForwardRequest.getDefaultInstance(),
        ForwardRequest.newBuilder().setEntry(onlyUnknownFields.toByteString()).build(),
        ForwardRequest.newBuilder().setEntry(ByteString.copyFrom(RawGrpc.MALFORMED[0])).build());
    long revision = revision();
    Member leader = cluster.awaitLeader(WAIT);
    List<Member> leaderFirst = new ArrayList<>(List.of(leader));
    cluster.members().stream().filter(m -> m != leader).forEach(leaderFirst::add);
    for (Member member : leaderFirst) {
      for (ForwardRequest forward : forwards) {
        ForwardResponse response = ForwardResponse.parseFrom(RawGrpc.unary(peer(member),
            ForwardRequest.class.getName() + "/_call", forward.toByteArray()));
        assertThat(response.getResult().getError().getGrpcCode())
            .as("%s answering %s", member.name(), forward)
            .isEqualTo(Status.Code.INVALID_ARGUMENT.value());
      }
    }
    assertThat(revision()).as("nothing was written").isEqualTo(revision);
  }

  /**
   * A thousand connections to the leader's peer port that send nothing, or only HTTP/2's preface:
   * Raft's traffic goes on and writes through every member commit.
   */
  @Test
  void a_thousand_idle_connections_to_the_leaders_peer_port_leave_the_raft_group_healthy() throws IOException {
    Member leader = cluster.awaitLeader(WAIT);
    List<java.net.Socket> idle = new ArrayList<>();
    try {
      IdleConnections.open(idle, URI.create(leader.peerUrl()).getAuthority(), 1000);
      for (Member member : cluster.members()) {
        acknowledged.writeThrough(member, 2);
      }
    } finally {
      IdleConnections.close(idle);
    }
  }

  private synchronized ManagedChannel peer(Member member) {
    return peerChannels.computeIfAbsent(member, m ->
        ManagedChannelBuilder.forTarget(URI.create(m.peerUrl()).getAuthority()).usePlaintext().build());
  }

  private long revision() {
    return cluster.grpc(cluster.member(0)).range(RangeRequest.newBuilder()
        .setKey(EtcdGrpc.bytes("/no-such-key")).build()).getHeader().getRevision();
  }
}
