package io.strata.e2e.conformance;

import static io.strata.e2e.conformance.EtcdJson.b64;
import static io.strata.e2e.conformance.EtcdJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseKeepAliveRequest;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.LeaseLeasesRequest;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.LeaseStatus;
import io.strata.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.strata.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Etcdctl.Result;
import io.strata.e2e.harness.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcdctl's {@code lease} commands and the Lease gRPC service against a 3-member cluster.
 *
 * <p>Written once, run on every wiring: {@link EtcdLeaseConformanceTest} runs it on real etcd 3.4
 * (proving the expected outputs are etcd's), {@link StrataLeaseConformanceTest} on Strata. All
 * scenarios share one cluster (etcd's default timings: 100 ms heartbeat, 1 s election timeout,
 * hence a 2 s minimum TTL) and each uses its own leases and key prefix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class LeaseConformanceScenarios {
  static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\((\\d+)s\\)\n");
  /** The minimum TTL etcd derives from a 1 s election timeout and 100 ms heartbeat. */
  static final long MIN_TTL = 2;

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private Cluster cluster;
  private Etcdctl m1;
  private Etcdctl m2;
  private Etcdctl m3;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private String p;

  protected abstract Backend backend();

  @BeforeAll
  void startCluster() {
    cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    m1 = cluster.etcdctl(cluster.member(0));
    m2 = cluster.etcdctl(cluster.member(1));
    m3 = cluster.etcdctl(cluster.member(2));
  }

  @AfterAll
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  @BeforeEach
  void keyPrefix(TestInfo info) {
    p = "/" + info.getTestMethod().orElseThrow().getName() + "/";
  }

  // ---------------------------------------------------------------------------------------------
  // etcdctl

  @Test
  void grant_prints_the_hex_id_and_ttl_and_json_carries_the_header_id_and_ttl() {
    Result r = m1.run("lease", "grant", "60");
    assertOk(r);
    assertThat(r.stdout()).matches(GRANTED.pattern());
    assertThat(ttlOf(r)).isEqualTo(60);

    long rev = revision();
    Result j = m2.writeOut("json").run("lease", "grant", "60");
    assertOk(j);
    JsonObject doc = flat(j.stdout());
    long id = doc.get("ID").getAsLong();
    assertThat(id).isPositive();
    doc.remove("ID");
    assertThat(doc).as("a grant creates no revision").isEqualTo(json(
        "{'revision':%d,'TTL':60,'Error':''}", rev).getAsJsonObject());
  }

  @Test
  void a_ttl_below_the_minimum_is_raised_to_it() {
    Result r = m3.run("lease", "grant", "1");
    assertOk(r);
    assertThat(ttlOf(r)).isEqualTo(MIN_TTL);
  }

  @Test
  void a_ttl_above_the_maximum_is_refused() {
    Result r = m1.run("lease", "grant", "9000000001");
    assertThat(r.exitCode()).as("exit code of %s", r).isEqualTo(1);
    assertThat(r.stdout()).isEmpty();
    assertThat(r.error()).hasValue("failed to grant lease (etcdserver: too large lease TTL)");
  }

  @Test
  void keys_put_with_a_lease_are_listed_by_timetolive_on_every_member_and_kept_alive_through_any() {
    String id = grant(m1, 60);
    assertOk(m2.run("put", "--lease=" + id, p + "a", "1"));
    assertOk(m3.run("put", "--lease=" + id, p + "b", "2"));
    assertOk(m1.run("put", p + "plain", "3"));

    Result kv = m1.writeOut("json").run("get", p + "a");
    assertOk(kv);
    assertThat(EtcdJson.normalized(kv.stdout()).getAsJsonObject().getAsJsonArray("kvs").get(0).getAsJsonObject()
        .get("lease").getAsLong()).isEqualTo(Long.parseUnsignedLong(id, 16));

    for (Etcdctl m : List.of(m1, m2, m3)) {
      Result ttl = m.run("lease", "timetolive", "--keys", id);
      assertOk(ttl);
      Matcher matcher = Pattern.compile("lease " + id
          + " granted with TTL\\(60s\\), remaining\\((\\d+)s\\), attached keys\\(\\[(.*)\\]\\)\n")
          .matcher(ttl.stdout());
      assertThat(matcher.matches()).as("timetolive output %s", ttl.stdout()).isTrue();
      assertThat(Long.parseLong(matcher.group(1))).isBetween(50L, 60L);
      // etcd lists the keys in map order: compare them as a set.
      assertThat(Set.of(matcher.group(2).split(" "))).containsExactlyInAnyOrder(p + "a", p + "b");

      Result plain = m.run("lease", "timetolive", id);
      assertOk(plain);
      assertThat(plain.stdout()).matches("lease " + id + " granted with TTL\\(60s\\), remaining\\(\\d+s\\)\n");

      Result once = m.run("lease", "keep-alive", "--once", id);
      assertOk(once);
      assertThat(once.stdout()).isEqualTo("lease " + id + " keepalived with TTL(60)\n");
    }

    Result j = m2.writeOut("json").run("lease", "timetolive", "--keys", id);
    assertOk(j);
    JsonObject doc = flat(j.stdout());
    assertThat(doc.get("id").getAsLong()).isEqualTo(Long.parseUnsignedLong(id, 16));
    assertThat(doc.get("granted-ttl").getAsLong()).isEqualTo(60);
    assertThat(doc.get("ttl").getAsLong()).isBetween(50L, 60L);
    assertThat(doc.getAsJsonArray("keys").asList().stream().map(e -> e.getAsString()).toList())
        .containsExactlyInAnyOrder(b64(p + "a"), b64(p + "b"));
    assertThat(doc.get("revision").getAsLong()).isPositive();
  }

  @Test
  void list_shows_every_lease_on_every_member() {
    String a = grant(m1, 60);
    String b = grant(m2, 120);
    for (Etcdctl m : List.of(m1, m2, m3)) {
      cluster.waitFor("lease list on " + m.endpoints() + " to show both leases", Duration.ofSeconds(10), () -> {
        Result r = m.run("lease", "list");
        assertOk(r);
        List<String> lines = Arrays.asList(r.stdout().split("\n"));
        assertThat(lines.get(0)).isEqualTo("found " + (lines.size() - 1) + " leases");
        return lines.subList(1, lines.size()).containsAll(List.of(a, b)) ? lines : null;
      });
    }
    Result j = m3.writeOut("json").run("lease", "list");
    assertOk(j);
    JsonObject doc = flat(j.stdout());
    assertThat(doc.getAsJsonArray("leases").asList().stream()
        .map(e -> Long.toHexString(e.getAsJsonObject().get("id").getAsLong())).toList())
        .contains(a.replaceFirst("^0+", ""), b.replaceFirst("^0+", ""));
  }

  @Test
  void revoke_deletes_the_attached_keys_in_one_revision_and_then_the_lease_is_gone() {
    String id = grant(m1, 60);
    assertOk(m1.run("put", "--lease=" + id, p + "a", "1"));
    assertOk(m1.run("put", "--lease=" + id, p + "b", "2"));
    assertOk(m1.run("put", "--lease=" + id, p + "c", "3"));
    assertOk(m1.run("put", p + "c", "kept: no lease any more"));
    assertOk(m1.run("put", p + "d", "no lease"));
    long before = revision();

    Result r = m2.run("lease", "revoke", id);
    assertOk(r);
    assertThat(r.stdout()).isEqualTo("lease " + id + " revoked\n");

    Result left = m3.run("get", "--consistency=l", "--prefix", p);
    assertOk(left);
    assertThat(left.stdout()).isEqualTo(p + "c\nkept: no lease any more\n" + p + "d\nno lease\n");
    assertThat(revision()).as("both deletes in one revision").isEqualTo(before + 1);

    Result again = m3.run("lease", "revoke", id);
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stdout()).isEmpty();
    assertThat(again.error()).hasValue("failed to revoke lease (etcdserver: requested lease not found)");

    Result ttl = m1.run("lease", "timetolive", "--keys", id);
    assertOk(ttl);
    assertThat(ttl.stdout()).isEqualTo("lease " + id + " already expired\n");
    Result ttlJson = m2.writeOut("json").run("lease", "timetolive", "--keys", id);
    assertOk(ttlJson);
    JsonObject expired = flat(ttlJson.stdout());
    // The header is the asked member's: its revision may trail the revoke applied on the leader.
    assertThat(expired.remove("revision").getAsLong()).isBetween(before, before + 1);
    assertThat(expired).isEqualTo(json("{'id':%d,'ttl':-1,'granted-ttl':0,'keys':null}",
        Long.parseUnsignedLong(id, 16)));

    // etcdctl turns the TTL 0 answer for a missing lease into "not found" and exits 2.
    Result once = m2.run("lease", "keep-alive", "--once", id);
    assertThat(once.exitCode()).as("exit code of %s", once).isEqualTo(2);
    assertThat(once.error()).hasValue("etcdserver: requested lease not found");

    Result put = m3.run("put", "--lease=" + id, p + "e", "1");
    assertThat(put.exitCode()).isEqualTo(1);
    assertThat(put.error()).hasValue("etcdserver: requested lease not found");

    Result list = m1.run("lease", "list");
    assertOk(list);
    assertThat(list.stdout()).doesNotContain(id);
  }

  @Test
  void a_short_lease_expires_on_its_own_and_deletes_its_key_but_not_before_its_ttl() {
    long asked = System.nanoTime();
    String id = grant(m2, MIN_TTL);
    assertOk(m3.run("put", "--lease=" + id, p + "k", "v"));
    long gone = cluster.waitFor("the key of a " + MIN_TTL + " s lease to be deleted", Duration.ofSeconds(20), () -> {
      Result r = m1.run("get", "--consistency=l", p + "k");
      assertOk(r);
      return r.stdout().isEmpty() ? System.nanoTime() : null;
    });
    assertThat(Duration.ofNanos(gone - asked)).as("time from grant to deletion")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(MIN_TTL));
    Result ttl = m2.run("lease", "timetolive", id);
    assertOk(ttl);
    assertThat(ttl.stdout()).isEqualTo("lease " + id + " already expired\n");
  }

  @Test
  void keep_alives_sent_to_a_follower_keep_a_short_lease_alive() {
    Member leader = cluster.awaitLeader(Duration.ofSeconds(10));
    Member follower = cluster.members().stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow();
    Etcdctl viaFollower = cluster.etcdctl(follower);
    String id = grant(viaFollower, 3);
    assertOk(viaFollower.run("put", "--lease=" + id, p + "k", "v"));
    long end = System.nanoTime() + Duration.ofSeconds(9).toNanos();
    while (System.nanoTime() < end) {
      Result once = viaFollower.run("lease", "keep-alive", "--once", id);
      assertOk(once);
      assertThat(once.stdout()).isEqualTo("lease " + id + " keepalived with TTL(3)\n");
      LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    }
    Result r = viaFollower.run("get", p + "k");
    assertOk(r);
    assertThat(r.stdout()).as("kept alive for 9 s with a 3 s TTL").isEqualTo(p + "k\nv\n");
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC: what etcdctl cannot send

  @Test
  void grpc_grant_with_an_id_uses_it_and_refuses_it_while_it_exists() {
    LeaseGrpc.LeaseBlockingStub lease = lease(cluster.member(1));
    long id = 0x5eed0000L + Math.abs((long) p.hashCode() % 0xffff);
    LeaseGrantResponse granted = lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(30).build());
    assertThat(granted.getID()).isEqualTo(id);
    assertThat(granted.getTTL()).isEqualTo(30);
    assertThat(granted.getHeader().getRevision()).isPositive();
    assertThat(granted.getHeader().getClusterId()).isNotZero();
    assertThat(granted.getHeader().getMemberId()).isNotZero();

    assertGrpcError(() -> lease(cluster.member(2)).leaseGrant(
        LeaseGrantRequest.newBuilder().setID(id).setTTL(30).build()),
        Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
    assertGrpcError(() -> lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build()),
        Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL");

    LeaseGrantResponse negative = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(-5).build());
    assertThat(negative.getTTL()).as("a negative TTL gets the minimum").isEqualTo(MIN_TTL);

    assertThat(lease.leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList())
        .extracting(LeaseStatus::getID).contains(id);
    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
  }

  @Test
  void grpc_revoke_and_timetolive_of_missing_leases_answer_as_etcd_does() {
    LeaseGrpc.LeaseBlockingStub lease = lease(cluster.member(0));
    assertGrpcError(() -> lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(0).build()),
        Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
    assertGrpcError(() -> lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(0x7ead).build()),
        Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
    for (Member m : cluster.members()) {
      LeaseTimeToLiveResponse ttl = lease(m).leaseTimeToLive(
          LeaseTimeToLiveRequest.newBuilder().setID(0x7ead).setKeys(true).build());
      assertThat(ttl.getID()).isEqualTo(0x7ead);
      assertThat(ttl.getTTL()).isEqualTo(-1);
      assertThat(ttl.getGrantedTTL()).isZero();
      assertThat(ttl.getKeysList()).isEmpty();
      assertThat(ttl.getHeader().getRevision()).isPositive();
    }
    assertGrpcError(() -> cluster.grpc(cluster.member(2)).kv(EtcdGrpc.DEFAULT_DEADLINE).put(PutRequest.newBuilder()
        .setKey(EtcdGrpc.bytes(p + "k")).setValue(EtcdGrpc.bytes("v")).setLease(0x7ead).build()),
        Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
  }

  @Test
  void grpc_keep_alive_stream_answers_each_request_in_order_with_ttl_0_for_missing_leases() throws Exception {
    long id = lease(cluster.member(0)).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(40).build()).getID();
    for (Member m : cluster.members()) {
      List<LeaseKeepAliveResponse> responses = keepAlive(m, id, 0x7ead, id);
      assertThat(responses).extracting(LeaseKeepAliveResponse::getID).containsExactly(id, 0x7eadL, id);
      assertThat(responses).extracting(LeaseKeepAliveResponse::getTTL).containsExactly(40L, 0L, 40L);
      assertThat(responses).allSatisfy(r -> assertThat(r.getHeader().getRevision()).isPositive());
    }
  }

  // ---------------------------------------------------------------------------------------------

  private List<LeaseKeepAliveResponse> keepAlive(Member m, long... ids) throws Exception {
    List<LeaseKeepAliveResponse> responses = new ArrayList<>();
    CompletableFuture<List<LeaseKeepAliveResponse>> done = new CompletableFuture<>();
    StreamObserver<LeaseKeepAliveRequest> requests = LeaseGrpc.newStub(channel(m))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .leaseKeepAlive(new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse value) {
            synchronized (responses) {
              responses.add(value);
            }
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            synchronized (responses) {
              done.complete(List.copyOf(responses));
            }
          }
        });
    for (long id : ids) {
      requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    }
    requests.onCompleted();
    return done.get(15, TimeUnit.SECONDS);
  }

  private synchronized ManagedChannel channel(Member m) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(m.clientEndpoint()).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private LeaseGrpc.LeaseBlockingStub lease(Member m) {
    return LeaseGrpc.newBlockingStub(channel(m)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void assertGrpcError(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
  }

  /** Grants a lease through {@code m}; returns its id as etcdctl prints it (16 hex digits). */
  static String grant(Etcdctl m, long ttl) {
    Result r = m.run("lease", "grant", Long.toString(ttl));
    assertOk(r);
    Matcher matcher = GRANTED.matcher(r.stdout());
    assertThat(matcher.matches()).as("grant output %s", r.stdout()).isTrue();
    return matcher.group(1);
  }

  private static long ttlOf(Result grant) {
    Matcher matcher = GRANTED.matcher(grant.stdout());
    assertThat(matcher.matches()).as("grant output %s", grant.stdout()).isTrue();
    return Long.parseLong(matcher.group(2));
  }

  private long revision() {
    return cluster.grpc(cluster.member(0)).range(io.strata.api.etcdserverpb.RangeRequest.newBuilder()
        .setKey(EtcdGrpc.bytes("/")).build()).getHeader().getRevision();
  }

  /**
   * etcdctl's JSON for lease commands puts the header's fields at the top level; the identity
   * fields differ from run to run and are removed.
   */
  static JsonObject flat(String stdout) {
    JsonObject doc = EtcdJson.parse(stdout.trim()).getAsJsonObject();
    doc.remove("cluster_id");
    doc.remove("member_id");
    doc.remove("raft_term");
    return doc;
  }

  static void assertOk(Result r) {
    assertThat(r.exitCode()).as("exit code of %s", r).isZero();
  }

  static String lines(String... lines) {
    return Arrays.stream(lines).map(l -> l + "\n").collect(Collectors.joining());
  }
}
