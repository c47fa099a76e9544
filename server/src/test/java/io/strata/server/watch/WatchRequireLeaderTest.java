package io.strata.server.watch;

import static io.strata.server.watch.WatchClient.watch;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.storage.Backend;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's require-leader streams ({@code hasleader: true} metadata, clientv3's WithRequireLeader). */
class WatchRequireLeaderTest {
  @TempDir Path dir;
  private final AtomicBoolean leader = new AtomicBoolean(true);
  private Backend backend;
  private WatchHub hub;
  private Server server;
  private ManagedChannel channel;
  private final List<WatchClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    backend = Backend.open(dir.resolve("db"));
    hub = new WatchHub(backend, rev -> ResponseHeader.newBuilder().setRevision(rev).build(),
        WatchSettings.defaults(1 << 20).withLeaderCheckInterval(Duration.ofMillis(20)));
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(new WatchService(hub, leader::get)).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    clients.forEach(WatchClient::close);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    hub.close();
    backend.close();
  }

  private WatchClient client(boolean requireLeader) {
    Channel ch = channel;
    if (requireLeader) {
      Metadata md = new Metadata();
      md.put(WatchService.REQUIRE_LEADER_KEY, "true");
      ch = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
    }
    WatchClient c = WatchClient.open(ch);
    clients.add(c);
    return c;
  }

  @Test
  void aStreamThatRequiresALeaderIsRefusedWithoutOne() {
    leader.set(false);
    WatchClient refused = client(true);
    refused.create(watch("k"));
    assertNoLeader(refused);
    WatchClient plain = client(false);
    plain.create(watch("k"));
    assertThat(plain.next().getCreated()).as("a stream that does not ask is served").isTrue();
  }

  @Test
  void aStreamThatRequiresALeaderEndsAfterThreeChecksWithoutOne() {
    WatchClient strict = client(true);
    WatchClient plain = client(false);
    strict.create(watch("k"));
    plain.create(watch("k"));
    assertThat(strict.next().getCreated()).isTrue();
    assertThat(plain.next().getCreated()).isTrue();
    leader.set(false);
    assertNoLeader(strict);
    assertThat(plain.ended()).as("the other stream stays").isNotDone();
    plain.requestProgress();
    assertThat(plain.next().getWatchId()).isEqualTo(-1);
  }

  private static void assertNoLeader(WatchClient c) {
    Throwable end = c.ended().orTimeout(20, TimeUnit.SECONDS).join();
    assertThat(Status.fromThrowable(end).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(Status.fromThrowable(end).getDescription()).isEqualTo("etcdserver: no leader");
  }
}
