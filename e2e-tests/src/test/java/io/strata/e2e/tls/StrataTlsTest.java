package io.strata.e2e.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.util.Endpoint;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import io.strata.e2e.harness.Waits;
import io.strata.raft.tls.PeerRpcFactory;
import io.strata.raft.tls.TestCertificates.Authority;
import io.strata.raft.tls.TestCertificates;
import io.strata.raft.tls.TlsFiles;
import io.strata.raft.tls.TlsMaterial;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The TLS scenarios on Strata (must behave as etcd 3.4 did), plus what only Strata's peer port
 * has: jraft's services (admin ones included) answer only peers with a certificate of the peer CA,
 * and a member whose peer certificate another CA signed cannot join.
 */
@Tag("strata")
class StrataTlsTest extends TlsScenarios {
  @Override
  protected Backend backend() {
    return Backend.STRATA;
  }

  @Test
  @Order(60)
  void jraft_services_on_the_peer_port_answer_only_certificates_of_the_peer_ca() throws Exception {
    Endpoint peer = new Endpoint("127.0.0.1", URI.create(m(0).peerUrl()).getPort());
    CliRequests.GetLeaderRequest getLeader = CliRequests.GetLeaderRequest.newBuilder().setGroupId("strata").build();
    Authority other = TestCertificates.authority(pki, "other-ca");
    TestCertificates.Issued stranger = other.server("stranger");
    RpcClient trusted = client(TlsMaterial.load("peer",
        new TlsFiles(tls.peer().cert(), tls.peer().key(), tls.peerCa().cert(), true)));
    RpcClient otherCa = client(TlsMaterial.load("peer",
        new TlsFiles(stranger.cert(), stranger.key(), tls.peerCa().cert(), true)));
    RpcClient plaintext = client(null);
    try {
      Object leader = trusted.invokeSync(peer, getLeader, 5000);
      assertThat(((CliRequests.GetLeaderResponse) leader).getLeaderId()).startsWith("127.0.0.1:");
      assertThatThrownBy(() -> otherCa.invokeSync(peer, getLeader, 5000)).isInstanceOf(RemotingException.class);
      assertThatThrownBy(() -> plaintext.invokeSync(peer, getLeader, 5000)).isInstanceOf(RemotingException.class);
    } finally {
      trusted.shutdown();
      otherCa.shutdown();
      plaintext.shutdown();
    }
  }

  @Test
  @Order(70)
  void a_member_with_a_peer_certificate_of_another_ca_cannot_join_until_it_gets_one_of_the_peer_ca() {
    List<ProcessMember> founders = cluster.members();
    ProcessMember joining = cluster.newJoiningMember(founders);
    assertThat(cluster.etcdctl(m(0)).run("member", "add", joining.name(), "--peer-urls=" + joining.peerUrl())
        .stdout()).contains(" added to cluster ");
    Authority other = TestCertificates.authority(pki, "rogue-peer-ca");
    joining.useTls(tls.withPeer(other, other.server("rogue-peer")));
    cluster.startWithoutWaiting(joining);
    // It serves clients (same client certificates) but never hears from a leader: for three election
    // timeouts after it is up, it knows none, and the cluster lists it as not started.
    Waits.until(joining.name() + " to answer Status", Duration.ofSeconds(60), () -> cluster.grpc(joining).status());
    long watchUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    while (System.nanoTime() < watchUntil) {
      assertThat(cluster.grpc(joining).status().getLeader()).as("leader known to " + joining.name()).isZero();
      java.util.concurrent.locks.LockSupport.parkNanos(Waits.POLL.toNanos());
    }
    assertThat(cluster.etcdctl(m(0)).run("member", "list").stdout()).contains(", unstarted, , " + joining.peerUrl());

    cluster.stop(joining);
    joining.useTls(tls);
    cluster.start(joining); // waits until it reports a leader
    Waits.until(joining.name() + " listed as started", Duration.ofSeconds(30), () -> {
      String list = cluster.etcdctl(m(0)).run("member", "list").stdout();
      return list.contains(", started, " + joining.name() + ", " + joining.peerUrl() + ", " + joining.clientUrl())
          ? list : null;
    });
    assertThat(cluster.etcdctl(joining).run("get", "tls/n1", "--print-value-only").stdout()).isEqualTo("from-n1\n");
  }

  private static RpcClient client(TlsMaterial tls) {
    RpcClient client = PeerRpcFactory.instance().createRpcClient(tls);
    client.init(new RpcOptions());
    return client;
  }
}
