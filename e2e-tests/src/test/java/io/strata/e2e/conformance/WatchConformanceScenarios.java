package io.strata.e2e.conformance;

import static io.strata.e2e.conformance.EtcdJson.b64;
import static io.strata.e2e.conformance.EtcdJson.json;
import static io.strata.e2e.conformance.WatchStreamClient.bytes;
import static io.strata.e2e.conformance.WatchStreamClient.comparable;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd's Watch service through Debian's etcdctl and through raw gRPC, on a 3-member cluster.
 * Writes go to member 1; watches run on members 2 and 3, so events come from the watching
 * member's own apply path.
 *
 * <p>Written once: {@link EtcdWatchConformanceTest} runs it on etcd 3.4 (proving the expected
 * outputs are etcd's), {@link StrataWatchConformanceTest} on Strata. Scenarios share the cluster,
 * each under its own key prefix with revisions relative to where it started. A watch that must
 * not miss a write it races with starts at an explicit future revision (a live watch from "now"
 * would depend on whether the create or the write arrives first).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class WatchConformanceScenarios {
  /** {@code --max-request-bytes}: small, so that fragmentation needs only ~540 KB of events. */
  static final int MAX_REQUEST_BYTES = 10 * 1024;
  /** etcd fragments watch responses at the request limit plus 512 KiB of gRPC overhead. */
  static final int FRAGMENT_BYTES = MAX_REQUEST_BYTES + 512 * 1024;
  static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private Cluster cluster;
  private String p;
  private final List<AutoCloseable> open = new ArrayList<>();

  protected abstract Backend backend();

  @BeforeAll
  void startCluster() {
    cluster = clusters.start(backend(), ClusterSpec.threeMembers()
        .withMaxRequestBytes(MAX_REQUEST_BYTES)
        .withExtraFlags("--experimental-watch-progress-notify-interval=1s"));
  }

  @BeforeEach
  void keyPrefix(TestInfo info) {
    p = "/" + info.getTestMethod().orElseThrow().getName() + "/"
        + Integer.toHexString(info.getDisplayName().hashCode()) + "/";
  }

  @AfterEach
  void closeWatches() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  // ------------------------------------------------------------------ etcdctl watch

  @Test
  void watch_rev_prints_a_keys_history_then_follows_it() {
    long r0 = revision();
    put(p + "k", "v1");
    put(p + "other", "x");
    put(p + "k", "v2");
    delete(p + "k");
    EtcdctlWatch w = watch(member(1), "--rev=" + (r0 + 1), p + "k");
    String history = lines("PUT", p + "k", "v1", "PUT", p + "k", "v2", "DELETE", p + "k", "");
    w.awaitStdout(history, WAIT);
    put(p + "k", "v3");
    w.awaitStdout(history + lines("PUT", p + "k", "v3"), WAIT);
  }

  @Test
  void watch_prev_kv_prints_the_previous_pair_before_each_event() {
    long r0 = revision();
    put(p + "k", "a");
    put(p + "k", "b");
    delete(p + "k");
    put(p + "k", "c");
    EtcdctlWatch w = watch(member(2), "--prev-kv", "--rev=" + (r0 + 1), p + "k");
    w.awaitStdout(lines(
        "PUT", p + "k", "a",
        "PUT", p + "k", "a", p + "k", "b",
        "DELETE", p + "k", "b", p + "k", "",
        "PUT", p + "k", "c"), WAIT);
  }

  @Test
  void watch_prefix_and_watch_range_see_only_their_keys() {
    long r0 = revision();
    put(p + "d/a", "1");
    put(p + "d0", "beside the prefix");
    put(p + "d/b", "2");
    delete(p + "d/a");
    put(p + "e", "3");
    EtcdctlWatch prefix = watch(member(1), "--prefix", "--rev=" + (r0 + 1), p + "d/");
    EtcdctlWatch range = watch(member(2), "--rev=" + (r0 + 1), p + "d/b", p + "e");
    prefix.awaitStdout(lines("PUT", p + "d/a", "1", "PUT", p + "d/b", "2", "DELETE", p + "d/a", ""), WAIT);
    range.awaitStdout(lines("PUT", p + "d0", "beside the prefix", "PUT", p + "d/b", "2"), WAIT);
  }

  @Test
  void a_live_watch_on_a_follower_sees_writes_made_through_another_member() {
    long r0 = revision();
    EtcdctlWatch w = watch(member(2), "--prefix", "--rev=" + (r0 + 1), p);
    put(p + "a", "1");
    put(p + "b", "2");
    delete(p + "a");
    w.awaitStdout(lines("PUT", p + "a", "1", "PUT", p + "b", "2", "DELETE", p + "a", ""), WAIT);
  }

  @Test
  void watch_json_prints_one_response_for_the_whole_history_with_the_store_revision() {
    long r0 = revision();
    put(p + "j", "1");
    put(p + "j", "2");
    delete(p + "j");
    long last = revision();
    awaitApplied(member(1), last);
    EtcdctlWatch w = EtcdctlWatch.start(member(1).clientEndpoint(), List.of("--write-out=json"),
        "--rev=" + (r0 + 1), p + "j");
    open.add(w);
    String out = Waits2.line(w, WAIT);
    JsonElement actual = EtcdJson.parse(out.trim());
    JsonObject header = actual.getAsJsonObject().getAsJsonObject("Header");
    header.remove("cluster_id");
    header.remove("member_id");
    header.remove("raft_term");
    assertThat(actual).isEqualTo(json("{'Header':{'revision':%d},'Events':["
            + "{'kv':{'key':'%s','create_revision':%d,'mod_revision':%d,'version':1,'value':'%s'}},"
            + "{'kv':{'key':'%s','create_revision':%d,'mod_revision':%d,'version':2,'value':'%s'}},"
            + "{'type':1,'kv':{'key':'%s','mod_revision':%d}}],"
            + "'CompactRevision':0,'Canceled':false,'Created':false}",
        last, b64(p + "j"), r0 + 1, r0 + 1, b64("1"), b64(p + "j"), r0 + 1, r0 + 2, b64("2"),
        b64(p + "j"), r0 + 3));
  }

  @Test
  void watch_from_a_compacted_revision_is_canceled_by_the_server() {
    long r0 = revision();
    put(p + "c", "1");
    put(p + "c", "2");
    put(p + "c", "3");
    grpc(0).compact(r0 + 2);
    awaitCompacted(member(2), r0 + 2);
    EtcdctlWatch w = watch(member(2), "--rev=" + (r0 + 1), p + "c");
    int exit = w.awaitExit(WAIT);
    assertThat(exit).as(w.describe()).isEqualTo(5);
    assertThat(w.stdout()).isEmpty();
    assertThat(w.stderr()).as(w.describe()).isEqualTo(lines(
        "watch was canceled (etcdserver: mvcc: required revision has been compacted)",
        "Error: watch is canceled by the server"));
  }

  @Test
  void interactive_watch_and_progress() {
    long r0 = revision();
    awaitApplied(member(2), r0);
    EtcdctlWatch w = watch(member(2), "-i");
    w.send("watch --rev=" + (r0 + 1) + " " + p + "k");
    put(p + "k", "v");
    w.awaitStdout(lines("PUT", p + "k", "v"), WAIT);
    w.send("progress");
    w.awaitStdout(lines("PUT", p + "k", "v", "progress notify: " + (r0 + 1)), WAIT);
    w.send("bogus");
    w.closeInput();
    assertThat(w.awaitExit(WAIT)).as(w.describe()).isEqualTo(3);
    assertThat(w.stdout()).isEqualTo(lines("PUT", p + "k", "v", "progress notify: " + (r0 + 1)));
    assertThat(w.stderr()).isEqualTo(lines(
        "Invalid command bogus (only support watch)", "Error: Error reading watch request line: EOF"));
  }

  // ------------------------------------------------------------------ raw gRPC responses

  @Test
  void created_refused_canceled_and_progress_responses_are_etcds() {
    put(p + "k", "v");
    long r = revision();
    awaitApplied(member(1), r);
    WatchStreamClient c = stream(member(1));
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "k")));
    assertThat(comparable(c.next())).isEqualTo(response(r).setWatchId(0).setCreated(true).build());
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "k")).setWatchId(7));
    assertThat(comparable(c.next())).isEqualTo(response(r).setWatchId(7).setCreated(true).build());
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "k")));
    assertThat(comparable(c.next())).as("automatic ids go on from the last automatic one")
        .isEqualTo(response(r).setWatchId(1).setCreated(true).build());
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "k")).setWatchId(7));
    assertThat(comparable(c.next())).isEqualTo(response(r).setWatchId(-1).setCreated(true).setCanceled(true)
        .setCancelReason("mvcc: duplicate watch ID provided on the WatchStream").build());
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "b")).setRangeEnd(bytes(p + "a")));
    assertThat(comparable(c.next())).isEqualTo(response(r).setWatchId(-1).setCreated(true).setCanceled(true)
        .setCancelReason("mvcc: watcher range is empty").build());
    c.cancel(7);
    assertThat(comparable(c.next())).isEqualTo(response(r).setWatchId(7).setCanceled(true).build());
    c.cancel(12345);
    c.requestProgress();
    assertThat(comparable(c.next())).as("no answer to an unknown cancel; progress has watch id -1")
        .isEqualTo(response(r).setWatchId(-1).build());
  }

  @Test
  void a_compacted_start_revision_gets_created_then_the_compacted_cancel() {
    long r0 = revision();
    put(p + "c", "1");
    put(p + "c", "2");
    put(p + "c", "3");
    grpc(0).compact(r0 + 2);
    long r = revision();
    awaitApplied(member(2), r);
    awaitCompacted(member(2), r0 + 2);
    WatchStreamClient c = stream(member(2));
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "c")).setStartRevision(r0 + 1).setWatchId(3));
    assertThat(comparable(c.next())).isEqualTo(response(r).setWatchId(3).setCreated(true).build());
    assertThat(comparable(c.next())).isEqualTo(response(0).setWatchId(3).setCompactRevision(r0 + 2)
        .setCanceled(true).build());
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "c")).setStartRevision(r0 + 2).setWatchId(4));
    c.next();
    assertThat(revisionsOf(c, 4, 2)).as("the compact revision itself is still readable").containsExactly(r0 + 2, r0 + 3);
  }

  @Test
  void filters_and_prev_kv_shape_the_events() {
    long r0 = revision();
    put(p + "k", "1");
    put(p + "k", "2");
    delete(p + "k");
    WatchStreamClient c = stream(member(2));
    WatchCreateRequest.Builder base = WatchCreateRequest.newBuilder().setKey(bytes(p + "k")).setStartRevision(r0 + 1);
    c.create(base.clone().setWatchId(1));
    c.create(base.clone().setWatchId(2).setPrevKv(true));
    c.create(base.clone().setWatchId(3).addFilters(WatchCreateRequest.FilterType.NOPUT));
    c.create(base.clone().setWatchId(4).addFilters(WatchCreateRequest.FilterType.NODELETE).setPrevKv(true));
    List<String> seen = new ArrayList<>();
    int created = 0;
    while (created < 4 || seen.size() < 3 + 3 + 1 + 2) {
      WatchResponse r = c.next();
      if (r.getCreated()) {
        created++;
      }
      for (Event e : r.getEventsList()) {
        seen.add(r.getWatchId() + " " + e.getType() + " " + e.getKv().getValue().toStringUtf8()
            + (e.hasPrevKv() ? " prev " + e.getPrevKv().getValue().toStringUtf8() + "@" + e.getPrevKv().getModRevision() : ""));
      }
    }
    assertThat(seen.stream().sorted().collect(Collectors.toList())).containsExactly(
        "1 DELETE ", "1 PUT 1", "1 PUT 2",
        "2 DELETE  prev 2@" + (r0 + 2), "2 PUT 1", "2 PUT 2 prev 1@" + (r0 + 1),
        "3 DELETE ",
        "4 PUT 1", "4 PUT 2 prev 1@" + (r0 + 1));
  }

  @Test
  void a_large_response_is_fragmented_below_the_request_limit_only_when_asked() {
    long r0 = revision();
    String value = "v".repeat(9000);
    int puts = 60;
    for (int i = 0; i < puts; i++) {
      put(p + String.format("%03d", i), value);
    }
    long r = revision();
    awaitApplied(member(2), r);
    WatchStreamClient c = stream(member(2));
    WatchCreateRequest.Builder base = WatchCreateRequest.newBuilder()
        .setKey(bytes(p)).setRangeEnd(EtcdGrpc.prefixEnd(bytes(p))).setStartRevision(r0 + 1);
    c.create(base.clone().setWatchId(1).setFragment(true));
    assertThat(c.next().getCreated()).isTrue();
    List<WatchResponse> fragments = new ArrayList<>();
    do {
      fragments.add(c.next());
    } while (fragments.get(fragments.size() - 1).getFragment());
    assertThat(fragments).hasSizeGreaterThan(1);
    List<Long> revisions = new ArrayList<>();
    for (int i = 0; i < fragments.size(); i++) {
      WatchResponse f = fragments.get(i);
      assertThat(f.getWatchId()).isEqualTo(1);
      assertThat(f.getHeader().getRevision()).isEqualTo(r);
      assertThat(f.getSerializedSize()).isLessThan(FRAGMENT_BYTES);
      if (i < fragments.size() - 1) {
        Event nextEvent = fragments.get(i + 1).getEvents(0);
        assertThat(f.getSerializedSize() + CodedOutputStream.computeMessageSize(11, nextEvent))
            .as("fragment %d is as full as etcd packs it", i).isGreaterThanOrEqualTo(FRAGMENT_BYTES);
      }
      f.getEventsList().forEach(e -> revisions.add(e.getKv().getModRevision()));
    }
    assertThat(revisions).isEqualTo(rangeOf(r0 + 1, r));
    c.create(base.clone().setWatchId(2));
    assertThat(c.next().getCreated()).isTrue();
    WatchResponse whole = c.next();
    assertThat(whole.getFragment()).isFalse();
    assertThat(whole.getEventsCount()).as("without fragment the whole history is one response").isEqualTo(puts);
  }

  @Test
  void watchers_that_ask_get_periodic_progress_notifications() {
    long r = revision();
    awaitApplied(member(2), r);
    WatchStreamClient c = stream(member(2));
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "quiet")).setProgressNotify(true).setWatchId(9));
    assertThat(c.next().getCreated()).isTrue();
    WatchResponse progress = c.next(Duration.ofSeconds(15));
    assertThat(comparable(progress)).isEqualTo(response(r).setWatchId(9).build());
  }

  @Test
  void an_empty_key_with_range_end_zero_watches_every_key() {
    long r0 = revision();
    put(p + "x", "1");
    put(p + "y", "2");
    long r = revision();
    WatchStreamClient c = stream(member(2));
    c.create(WatchCreateRequest.newBuilder().setRangeEnd(ByteString.copyFrom(new byte[] {0})).setStartRevision(r0 + 1));
    c.create(WatchCreateRequest.newBuilder().setKey(bytes(p + "y")).setRangeEnd(ByteString.copyFrom(new byte[] {0}))
        .setStartRevision(r0 + 1).setWatchId(5));
    // Both watchers' events may come in any interleaving: collect them together.
    Map<Long, List<Long>> events = revisionsOf(c, Map.of(0L, 2, 5L, 1));
    assertThat(events.get(0L)).containsExactly(r0 + 1, r);
    assertThat(events.get(5L)).containsExactly(r);
  }

  // ------------------------------------------------------------------ helpers

  private static WatchResponse.Builder response(long revision) {
    return WatchResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision));
  }

  /** Revisions of the next {@code count} events of {@code watchId} (other responses are skipped). */
  private static List<Long> revisionsOf(WatchStreamClient c, long watchId, int count) {
    return revisionsOf(c, Map.of(watchId, count)).get(watchId);
  }

  /**
   * Revisions of the next events of several watchers of one stream, until each watcher in
   * {@code counts} has at least its count (responses of other watchers are skipped).
   */
  private static Map<Long, List<Long>> revisionsOf(WatchStreamClient c, Map<Long, Integer> counts) {
    Map<Long, List<Long>> out = new HashMap<>();
    counts.keySet().forEach(id -> out.put(id, new ArrayList<>()));
    while (counts.entrySet().stream().anyMatch(e -> out.get(e.getKey()).size() < e.getValue())) {
      WatchResponse r = c.next();
      List<Long> revisions = out.get(r.getWatchId());
      if (revisions != null) {
        r.getEventsList().forEach(e -> revisions.add(e.getKv().getModRevision()));
      }
    }
    return out;
  }

  private static List<Long> rangeOf(long first, long last) {
    List<Long> out = new ArrayList<>();
    for (long i = first; i <= last; i++) {
      out.add(i);
    }
    return out;
  }

  private EtcdctlWatch watch(Member m, String... args) {
    EtcdctlWatch w = EtcdctlWatch.start(m.clientEndpoint(), args);
    open.add(w);
    return w;
  }

  private WatchStreamClient stream(Member m) {
    WatchStreamClient c = new WatchStreamClient(m.clientEndpoint());
    open.add(c);
    return c;
  }

  private Member member(int i) {
    return cluster.member(i);
  }

  private EtcdGrpc grpc(int i) {
    return cluster.grpc(cluster.member(i));
  }

  private void put(String key, String value) {
    grpc(0).put(key, value);
  }

  private void delete(String key) {
    grpc(0).kv(EtcdGrpc.DEFAULT_DEADLINE).deleteRange(DeleteRangeRequest.newBuilder().setKey(bytes(key)).build());
  }

  /** The cluster's current revision, read linearizably through member 1. */
  private long revision() {
    return grpc(0).range(RangeRequest.newBuilder().setKey(bytes("/no-such-key")).build()).getHeader().getRevision();
  }

  /** Waits until {@code m} has applied {@code revision} (a serializable read there shows it). */
  private void awaitApplied(Member m, long revision) {
    cluster.waitFor(m.name() + " to apply revision " + revision, WAIT, () -> {
      long at = cluster.grpc(m).range(RangeRequest.newBuilder().setKey(bytes("/no-such-key"))
          .setSerializable(true).build()).getHeader().getRevision();
      return at >= revision ? at : null;
    });
  }

  /** Waits until {@code m} has applied the compaction at {@code revision} (a read below it is refused there). */
  private void awaitCompacted(Member m, long revision) {
    cluster.waitFor(m.name() + " to apply the compaction at " + revision, WAIT, () -> {
      try {
        cluster.grpc(m).range(RangeRequest.newBuilder().setKey(bytes("/no-such-key"))
            .setRevision(revision - 1).setSerializable(true).build());
        return null;
      } catch (io.grpc.StatusRuntimeException e) {
        return e.getStatus().getCode() == io.grpc.Status.Code.OUT_OF_RANGE ? true : null;
      }
    });
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  /** Waiting for etcdctl's first complete output line. */
  private static final class Waits2 {
    static String line(EtcdctlWatch w, Duration timeout) {
      return io.strata.e2e.harness.Waits.until("a complete line from " + w.describe(), timeout, () -> {
        String out = w.stdout();
        int end = out.indexOf('\n');
        return end < 0 ? null : out.substring(0, end);
      });
    }
  }
}
