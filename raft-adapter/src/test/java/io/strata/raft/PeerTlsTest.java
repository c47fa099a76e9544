package io.strata.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcClient;
import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.raft.tls.PeerRpcFactory;
import io.strata.raft.tls.TestCertificates;
import io.strata.raft.tls.TestCertificates.Authority;
import io.strata.raft.tls.TestCertificates.Issued;
import io.strata.raft.tls.TlsFiles;
import io.strata.raft.tls.TlsHandshakes;
import io.strata.raft.tls.TlsMaterial;
import io.strata.storage.Backend;
import io.strata.storage.StoreBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real jraft nodes whose peer port speaks mutual TLS: they elect and replicate over it, and
 * the port (jraft's admin services included) refuses plaintext, clients without a certificate and
 * clients with a certificate of another CA.
 */
class PeerTlsTest {
  @TempDir Path dir;

  /** Counts applied entries. */
  private static final class CountingCore implements ApplyCore {
    final AtomicLong applied = new AtomicLong();

    @Override
    public ApplyResult apply(Entry entry, long index, long term, StoreBatch batch) {
      applied.incrementAndGet();
      return ApplyResult.getDefaultInstance();
    }

    @Override
    public void committed(List<Event> events, long revision, long appliedIndex) { }

    @Override
    public void snapshotInstalled(long appliedIndex) { }
  }

  @Test
  void membersReplicateOverMutualTlsAndThePeerPortRefusesEveryoneElse() throws Exception {
    Authority peers = TestCertificates.authority(dir.resolve("pki"), "peer-ca");
    Authority other = TestCertificates.authority(dir.resolve("pki"), "other-ca");
    List<String> addresses = List.of(RaftTesting.freePeerAddress(), RaftTesting.freePeerAddress(),
        RaftTesting.freePeerAddress());
    List<Backend> backends = new ArrayList<>();
    List<RaftNode> nodes = new ArrayList<>();
    List<CountingCore> cores = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        Issued cert = peers.server("peer" + i);
        TlsMaterial tls = TlsMaterial.load("peer", new TlsFiles(cert.cert(), cert.key(), peers.cert(), true));
        Path data = dir.resolve("n" + i);
        Files.createDirectories(data);
        Backend backend = Backend.open(data.resolve("db"));
        backends.add(backend);
        CountingCore core = new CountingCore();
        cores.add(core);
        String self = addresses.get(i);
        nodes.add(new RaftNode(new RaftSettings(data, self, addresses, 1000, 1000,
            Integer.parseInt(self.substring(self.indexOf(':') + 1)), tls), backend, core, RaftObserver.NONE,
            e -> { throw new AssertionError(e); }));
      }
      nodes.forEach(RaftNode::start);
      RaftNode leader = await().atMost(Duration.ofSeconds(30)).until(
          () -> nodes.stream().filter(RaftNode::isLeader).findFirst().orElse(null), n -> n != null);
      for (int i = 0; i < 3; i++) {
        RaftTesting.proposeAndWait(leader, Entry.getDefaultInstance());
      }
      long target = leader.appliedIndex();
      await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().allMatch(n -> n.appliedIndex() >= target));
      assertThat(cores).allSatisfy(core -> assertThat(core.applied.get()).isEqualTo(3));

      String someone = addresses.get(0);
      CliRequests.GetLeaderRequest askLeader = CliRequests.GetLeaderRequest.newBuilder().setGroupId(RaftNode.GROUP).build();
      Issued admin = peers.client("admin", "admin");
      RpcClient trusted = client(TlsMaterial.load("peer", new TlsFiles(admin.cert(), admin.key(), peers.cert(), false)));
      Issued stranger = other.server("stranger");
      RpcClient otherCa = client(TlsMaterial.load("peer", new TlsFiles(stranger.cert(), stranger.key(), peers.cert(), false)));
      RpcClient plaintext = client(null);
      try {
        Object answer = trusted.invokeSync(RaftNode.endpoint(someone), askLeader, 5000);
        assertThat(((CliRequests.GetLeaderResponse) answer).getLeaderId()).isEqualTo(leader.self());
        assertThatThrownBy(() -> otherCa.invokeSync(RaftNode.endpoint(someone), askLeader, 5000))
            .isInstanceOf(RemotingException.class);
        assertThatThrownBy(() -> plaintext.invokeSync(RaftNode.endpoint(someone), askLeader, 5000))
            .isInstanceOf(RemotingException.class);
      } finally {
        trusted.shutdown();
        otherCa.shutdown();
        plaintext.shutdown();
      }
      int port = RaftNode.endpoint(someone).getPort();
      assertThat(TlsHandshakes.serverCertificate(port, peers.cert(), admin, 2000).getSubjectX500Principal().getName())
          .isEqualTo("CN=peer0");
      assertThatThrownBy(() -> TlsHandshakes.serverCertificate(port, peers.cert(), null, 5000))
          .as("a client without a certificate").isInstanceOf(IOException.class);
    } finally {
      for (RaftNode node : nodes) {
        node.close();
      }
      for (Backend backend : backends) {
        backend.close();
      }
    }
  }

  private static RpcClient client(TlsMaterial tls) {
    RpcClient client = PeerRpcFactory.instance().createRpcClient(tls);
    client.init(new RpcOptions());
    return client;
  }
}
