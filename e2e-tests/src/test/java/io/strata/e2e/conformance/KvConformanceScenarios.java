package io.strata.e2e.conformance;

import static io.strata.e2e.conformance.EtcdJson.b64;
import static io.strata.e2e.conformance.EtcdJson.json;
import static io.strata.e2e.conformance.EtcdJson.normalized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * etcdctl (Debian's etcd-client, v3 API) against a 3-member cluster: the KV foundation.
 *
 * <p>Written once, run on every wiring: {@link EtcdKvConformanceTest} runs it on real etcd 3.4 and
 * proves that the expected outputs below are etcd's; {@link StrataKvConformanceTest} runs the very
 * same scenarios on Strata. All scenarios share one cluster; each uses its own key prefix and
 * computes revisions relative to the revision it started at.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class KvConformanceScenarios {
  /** {@code --max-request-bytes}: small, so "request is too large" is cheap to provoke. */
  static final int MAX_REQUEST_BYTES = 10 * 1024;
  /** {@code --max-txn-ops}. */
  static final int MAX_TXN_OPS = 16;

  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  private Cluster cluster;
  /** etcdctl against member 1, 2 and 3 alone. */
  private Etcdctl m1;
  private Etcdctl m2;
  private Etcdctl m3;
  /** Key prefix of the running scenario. */
  private String p;

  protected abstract Backend backend();

  @BeforeAll
  void startCluster() {
    cluster = clusters.start(backend(), ClusterSpec.threeMembers()
        .withMaxRequestBytes(MAX_REQUEST_BYTES)
        .withMaxTxnOps(MAX_TXN_OPS));
    m1 = cluster.etcdctl(cluster.member(0));
    m2 = cluster.etcdctl(cluster.member(1));
    m3 = cluster.etcdctl(cluster.member(2));
  }

  @BeforeEach
  void keyPrefix(TestInfo info) {
    p = "/" + info.getTestMethod().orElseThrow().getName() + "/"
        + Integer.toHexString(info.getDisplayName().hashCode()) + "/";
  }

  // ---------------------------------------------------------------------------------------------
  // put / get

  @Test
  @Order(1)
  void a_fresh_cluster_is_at_revision_1_and_empty() {
    Result r = m1.writeOut("json").run("get", "", "--from-key");
    assertOk(r);
    assertThat(normalized(r.stdout())).isEqualTo(json("{'header':{'revision':1}}"));
  }

  @Test
  void put_prints_OK_and_a_linearizable_get_on_another_member_sees_it() {
    Result put = m1.run("put", p + "key", "value");
    assertOk(put);
    assertThat(put.stdout()).isEqualTo("OK\n");

    Result get = m2.run("get", "--consistency=l", p + "key");
    assertOk(get);
    assertThat(get.stdout()).isEqualTo(p + "key\nvalue\n");

    // A serializable read on the third member converges to the same answer.
    cluster.waitFor("serializable get on n3 to see the put", Duration.ofSeconds(10), () -> {
      Result s = m3.run("get", "--consistency=s", p + "key");
      return s.succeeded() && s.stdout().equals(p + "key\nvalue\n") ? s : null;
    });
  }

  @Test
  void get_of_a_missing_key_prints_nothing_and_succeeds() {
    Result r = m2.run("get", p + "missing");
    assertOk(r);
    assertThat(r.stdout()).isEmpty();
  }

  @Test
  void get_prefix_lists_keys_in_byte_order_with_their_values() {
    put(p + "dir/b", "2");
    put(p + "dir/a", "1");
    put(p + "dir/c", "3");
    put(p + "dir0", "not under the prefix");
    Result r = m2.run("get", "--prefix", p + "dir/");
    assertOk(r);
    assertThat(r.stdout()).isEqualTo(lines(p + "dir/a", "1", p + "dir/b", "2", p + "dir/c", "3"));

    Result values = m2.run("get", "--prefix", "--print-value-only", p + "dir/");
    assertOk(values);
    assertThat(values.stdout()).isEqualTo(lines("1", "2", "3"));

    Result range = m3.run("get", p + "dir/a", p + "dir/c");
    assertOk(range);
    assertThat(range.stdout()).as("[key, range_end) excludes range_end")
        .isEqualTo(lines(p + "dir/a", "1", p + "dir/b", "2"));
  }

  @Test
  void get_rev_reads_the_value_at_that_revision() {
    long r0 = revision();
    put(p + "k", "v1"); // r0+1
    put(p + "k", "v2"); // r0+2

    Result old = m2.run("get", p + "k", "--rev=" + (r0 + 1));
    assertOk(old);
    assertThat(old.stdout()).isEqualTo(lines(p + "k", "v1"));

    Result before = m2.run("get", p + "k", "--rev=" + r0);
    assertOk(before);
    assertThat(before.stdout()).as("the key did not exist yet").isEmpty();

    Result oldJson = m3.writeOut("json").run("get", p + "k", "--rev=" + (r0 + 1));
    assertOk(oldJson);
    assertThat(normalized(oldJson.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'kvs':[{'key':'%s','create_revision':%d,'mod_revision':%d,"
            + "'version':1,'value':'%s'}],'count':1}",
        r0 + 2, b64(p + "k"), r0 + 1, r0 + 1, b64("v1")));

    Result latest = m3.writeOut("json").run("get", p + "k");
    assertOk(latest);
    assertThat(normalized(latest.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'kvs':[{'key':'%s','create_revision':%d,'mod_revision':%d,"
            + "'version':2,'value':'%s'}],'count':1}",
        r0 + 2, b64(p + "k"), r0 + 1, r0 + 2, b64("v2")));
  }

  @Test
  void get_limit_returns_the_first_keys_and_json_reports_more_and_the_full_count() {
    long r0 = revision();
    for (String k : List.of("a", "b", "c", "d", "e")) {
      put(p + k, "v" + k);
    }
    Result r = m2.run("get", "--prefix", p, "--limit", "2");
    assertOk(r);
    assertThat(r.stdout()).isEqualTo(lines(p + "a", "va", p + "b", "vb"));

    Result j = m2.writeOut("json").run("get", "--prefix", p, "--limit=2");
    assertOk(j);
    assertThat(normalized(j.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'kvs':["
            + "{'key':'%s','create_revision':%d,'mod_revision':%d,'version':1,'value':'%s'},"
            + "{'key':'%s','create_revision':%d,'mod_revision':%d,'version':1,'value':'%s'}],"
            + "'more':true,'count':5}",
        r0 + 5, b64(p + "a"), r0 + 1, r0 + 1, b64("va"), b64(p + "b"), r0 + 2, r0 + 2, b64("vb")));
  }

  /**
   * Data that orders differently by each target. a: created 3rd, 1 version, value "2";
   * b: created 1st, modified last, 3 versions, value "3"; c: created 2nd, 2 versions, value "1".
   */
  @ParameterizedTest(name = "get --prefix --sort-by={0} --order={1} lists {2}")
  @CsvSource({
      "KEY,     ASCEND,  a b c",
      "KEY,     DESCEND, c b a",
      "CREATE,  ASCEND,  b c a",
      "CREATE,  DESCEND, a c b",
      "MODIFY,  ASCEND,  a c b",
      "MODIFY,  DESCEND, b c a",
      "VERSION, ASCEND,  a c b",
      "VERSION, DESCEND, b c a",
      "VALUE,   ASCEND,  c a b",
      "VALUE,   DESCEND, b a c",
  })
  void get_sort_by_orders_by_the_target(String target, String order, String expected) {
    put(p + "b", "3");
    put(p + "c", "1");
    put(p + "a", "2");
    put(p + "c", "1");
    put(p + "b", "3");
    put(p + "b", "3");
    Result r = m2.run("get", "--prefix", p, "--sort-by=" + target, "--order=" + order,
        "--keys-only");
    assertOk(r);
    String want = List.of(expected.split(" ")).stream().map(k -> p + k + "\n\n")
        .collect(Collectors.joining());
    assertThat(r.stdout()).isEqualTo(want);
  }

  @Test
  void get_keys_only_prints_each_key_followed_by_an_empty_line_and_json_omits_values() {
    long r0 = revision();
    put(p + "x", "1");
    put(p + "y", "2");
    Result r = m1.run("get", "--prefix", p, "--keys-only");
    assertOk(r);
    assertThat(r.stdout()).isEqualTo(p + "x\n\n" + p + "y\n\n");

    Result j = m1.writeOut("json").run("get", "--prefix", p, "--keys-only");
    assertOk(j);
    assertThat(normalized(j.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'kvs':["
            + "{'key':'%s','create_revision':%d,'mod_revision':%d,'version':1},"
            + "{'key':'%s','create_revision':%d,'mod_revision':%d,'version':1}],'count':2}",
        r0 + 2, b64(p + "x"), r0 + 1, r0 + 1, b64(p + "y"), r0 + 2, r0 + 2));
  }

  /** etcdctl 3.4 has no --count-only flag (3.5 added it), so count_only is checked over gRPC. */
  @Test
  void range_count_only_returns_the_count_and_no_kvs() {
    long r0 = revision();
    put(p + "1", "a");
    put(p + "2", "b");
    put(p + "3", "c");
    RangeResponse r = grpc(1).range(RangeRequest.newBuilder()
        .setKey(EtcdGrpc.bytes(p))
        .setRangeEnd(EtcdGrpc.prefixEnd(EtcdGrpc.bytes(p)))
        .setCountOnly(true)
        .build());
    assertThat(r.getCount()).isEqualTo(3);
    assertThat(r.getKvsList()).isEmpty();
    assertThat(r.getMore()).isFalse();
    assertThat(r.getHeader().getRevision()).isEqualTo(r0 + 3);

    RangeResponse limited = grpc(2).range(RangeRequest.newBuilder()
        .setKey(EtcdGrpc.bytes(p))
        .setRangeEnd(EtcdGrpc.prefixEnd(EtcdGrpc.bytes(p)))
        .setLimit(1)
        .setSerializable(false)
        .build());
    assertThat(limited.getCount()).isEqualTo(3);
    assertThat(limited.getKvsCount()).isEqualTo(1);
    assertThat(limited.getMore()).isTrue();
  }

  @Test
  void write_out_json_of_put_and_del_carries_the_new_revision_and_prev_kv() {
    long r0 = revision();
    Result put = m1.writeOut("json").run("put", p + "k", "v1");
    assertOk(put);
    assertThat(normalized(put.stdout())).isEqualTo(json("{'header':{'revision':%d}}", r0 + 1));

    Result again = m2.writeOut("json").run("put", p + "k", "v2", "--prev-kv");
    assertOk(again);
    assertThat(normalized(again.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'prev_kv':{'key':'%s','create_revision':%d,'mod_revision':%d,"
            + "'version':1,'value':'%s'}}",
        r0 + 2, b64(p + "k"), r0 + 1, r0 + 1, b64("v1")));

    Result del = m3.writeOut("json").run("del", p + "k");
    assertOk(del);
    assertThat(normalized(del.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'deleted':1}", r0 + 3));

    Result delMissing = m3.writeOut("json").run("del", p + "k");
    assertOk(delMissing);
    assertThat(normalized(delMissing.stdout()))
        .as("deleting nothing does not create a revision; deleted=0 is omitted")
        .isEqualTo(json("{'header':{'revision':%d}}", r0 + 3));
  }

  @Test
  void write_out_fields_lists_etcds_field_names_in_etcds_order() {
    long r0 = revision();
    put(p + "k", "v");
    Result r = m2.writeOut("fields").run("get", p + "k");
    assertOk(r);
    assertThat(maskIdentity(r.stdout())).isEqualTo(lines(
        "\"ClusterID\" : *",
        "\"MemberID\" : *",
        "\"Revision\" : " + (r0 + 1),
        "\"RaftTerm\" : *",
        "\"Key\" : \"" + p + "k\"",
        "\"CreateRevision\" : " + (r0 + 1),
        "\"ModRevision\" : " + (r0 + 1),
        "\"Version\" : 1",
        "\"Value\" : \"v\"",
        "\"Lease\" : 0",
        "\"More\" : false",
        "\"Count\" : 1"));
  }

  // ---------------------------------------------------------------------------------------------
  // del

  @Test
  void del_prints_the_number_of_deleted_keys() {
    put(p + "a", "1");
    put(p + "b", "2");
    put(p + "c", "3");
    put(p + "x/1", "4");
    Result one = m1.run("del", p + "x/1");
    assertOk(one);
    assertThat(one.stdout()).isEqualTo("1\n");

    Result prefix = m2.run("del", "--prefix", p);
    assertOk(prefix);
    assertThat(prefix.stdout()).isEqualTo("3\n");

    Result none = m3.run("del", "--prefix", p);
    assertOk(none);
    assertThat(none.stdout()).isEqualTo("0\n");

    assertThat(m1.run("get", "--prefix", p).stdout()).isEmpty();
  }

  @Test
  void del_prev_kv_prints_the_count_then_the_deleted_pairs() {
    put(p + "k", "v");
    Result r = m2.run("del", p + "k", "--prev-kv");
    assertOk(r);
    assertThat(r.stdout()).isEqualTo(lines("1", p + "k", "v"));
  }

  // ---------------------------------------------------------------------------------------------
  // txn

  @Test
  void txn_from_stdin_runs_the_success_branch_then_the_failure_branch() {
    String k = p + "k";
    String txn = "mod(\"" + k + "\") = \"0\"\n\nput " + k + " v\n\nput " + k + " other\n\n";

    Result first = m1.runWithInput(txn, "txn");
    assertOk(first);
    assertThat(first.stdout()).isEqualTo(lines("SUCCESS", "", "OK"));

    Result second = m2.runWithInput(txn, "txn");
    assertOk(second);
    assertThat(second.stdout()).isEqualTo(lines("FAILURE", "", "OK"));

    assertThat(m3.run("get", k).stdout()).isEqualTo(lines(k, "other"));
  }

  @Test
  void txn_prints_the_result_of_every_op_of_the_taken_branch() {
    String k = p + "k";
    put(k, "v");
    long r0 = revision();
    String txn = "value(\"" + k + "\") = \"v\"\n\nget " + k + "\nput " + p + "k2 x\ndel " + k
        + "\n\nput " + p + "never here\n\n";
    Result r = m2.runWithInput(txn, "txn");
    assertOk(r);
    assertThat(r.stdout()).isEqualTo(lines("SUCCESS", "", k, "v", "", "OK", "", "1"));
    assertThat(revision()).as("a txn with two writes creates one revision").isEqualTo(r0 + 1);
  }

  @Test
  void txn_write_out_json_has_inner_headers_with_only_the_revision() {
    String k = p + "k";
    long r0 = revision();
    Result put = m1.writeOut("json").runWithInput(
        "create(\"" + k + "\") = \"0\"\n\nput " + k + " v\n\n\n", "txn");
    assertOk(put);
    assertThat(normalized(put.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'succeeded':true,"
            + "'responses':[{'Response':{'ResponsePut':{'header':{'revision':%d}}}}]}",
        r0 + 1, r0 + 1));

    Result get = m2.writeOut("json").runWithInput(
        "version(\"" + k + "\") > \"0\"\n\nget " + k + "\n\n\n", "txn");
    assertOk(get);
    assertThat(normalized(get.stdout())).isEqualTo(json(
        "{'header':{'revision':%d},'succeeded':true,'responses':[{'Response':{'ResponseRange':"
            + "{'header':{'revision':%d},'kvs':[{'key':'%s','create_revision':%d,'mod_revision':%d,"
            + "'version':1,'value':'%s'}],'count':1}}}]}",
        r0 + 1, r0 + 1, b64(k), r0 + 1, r0 + 1, b64("v")));

    Result failed = m3.writeOut("json").runWithInput(
        "value(\"" + k + "\") = \"nope\"\n\nput " + k + " w\n\n\n", "txn");
    assertOk(failed);
    assertThat(normalized(failed.stdout()))
        .as("a failed compare with an empty failure branch: succeeded=false and responses omitted")
        .isEqualTo(json("{'header':{'revision':%d}}", r0 + 1));
  }

  @Test
  void txn_with_exactly_max_txn_ops_ops_succeeds() {
    StringBuilder txn = new StringBuilder("\n");
    for (int i = 0; i < MAX_TXN_OPS; i++) {
      txn.append("put ").append(p).append("op").append(i).append(" v\n");
    }
    txn.append("\n\n");
    Result r = m1.runWithInput(txn.toString(), "txn");
    assertOk(r);
    List<String> expected = new ArrayList<>(List.of("SUCCESS"));
    for (int i = 0; i < MAX_TXN_OPS; i++) {
      expected.add("");
      expected.add("OK");
    }
    assertThat(r.stdout()).isEqualTo(lines(expected.toArray(String[]::new)));
  }

  // ---------------------------------------------------------------------------------------------
  // compaction and revisions

  @Test
  void compaction_makes_older_revisions_unreadable_with_etcds_error() {
    String k = p + "k";
    long r0 = revision();
    put(k, "a"); // r0+1
    put(k, "b"); // r0+2
    put(k, "c"); // r0+3
    long compactAt = r0 + 2;

    Result compact = m1.run("compaction", Long.toString(compactAt));
    assertOk(compact);
    assertThat(compact.stdout()).isEqualTo("compacted revision " + compactAt + "\n");

    for (Etcdctl member : List.of(m1, m2, m3)) {
      Result below = member.run("get", k, "--rev=" + (compactAt - 1));
      assertError(below, "etcdserver: mvcc: required revision has been compacted");
    }
    Result at = m2.run("get", k, "--rev=" + compactAt);
    assertOk(at);
    assertThat(at.stdout()).isEqualTo(lines(k, "b"));

    Result again = m3.run("compaction", Long.toString(compactAt - 1));
    assertError(again, "etcdserver: mvcc: required revision has been compacted");

    Result future = m3.run("compaction", Long.toString(revision() + 1000));
    assertError(future, "etcdserver: mvcc: required revision is a future revision");
  }

  @Test
  void get_at_a_future_revision_fails_with_etcds_error() {
    put(p + "k", "v");
    Result r = m2.run("get", p + "k", "--rev=" + (revision() + 100));
    assertError(r, "etcdserver: mvcc: required revision is a future revision");
  }

  // ---------------------------------------------------------------------------------------------
  // cluster views

  @Test
  void endpoint_status_has_etcds_columns_and_exactly_one_leader() {
    Result r = cluster.etcdctl().run("endpoint", "status");
    assertOk(r);
    List<String> rows = r.stdout().lines().toList();
    assertThat(rows).hasSize(3);
    Pattern row = Pattern.compile(
        // ENDPOINT, ID, VERSION, DB SIZE, IS LEADER, IS LEARNER, RAFT TERM, RAFT INDEX,
        // RAFT APPLIED INDEX, ERRORS
        "(127\\.0\\.0\\.1:\\d+), ([0-9a-f]{1,16}), (\\S+), (\\d+(\\.\\d+)? [kMGT]?B), (true|false), "
            + "false, (\\d+), (\\d+), (\\d+), ");
    int leaders = 0;
    Set<String> endpoints = new HashSet<>();
    for (String line : rows) {
      var m = row.matcher(line);
      assertThat(m.matches()).as("endpoint status row %s", line).isTrue();
      endpoints.add(m.group(1));
      if (m.group(6).equals("true")) {
        leaders++;
      }
      assertThat(Long.parseLong(m.group(9))).as("applied index <= raft index in " + line)
          .isLessThanOrEqualTo(Long.parseLong(m.group(8)));
    }
    assertThat(leaders).isEqualTo(1);
    assertThat(endpoints).containsExactlyInAnyOrderElementsOf(
        cluster.members().stream().map(Member::clientEndpoint).toList());

    Result j = cluster.etcdctl().writeOut("json").run("endpoint", "status");
    assertOk(j);
    var array = EtcdJson.parse(j.stdout()).getAsJsonArray();
    assertThat(array).hasSize(3);
    for (JsonElement e : array) {
      JsonObject o = e.getAsJsonObject();
      assertThat(o.keySet()).containsExactly("Endpoint", "Status");
      JsonObject status = o.getAsJsonObject("Status");
      assertThat(status.keySet()).as("Status fields etcdctl 3.4 prints (non-zero ones)")
          .containsExactlyInAnyOrder("header", "version", "dbSize", "leader", "raftIndex",
              "raftTerm", "raftAppliedIndex", "dbSizeInUse");
      assertThat(status.getAsJsonObject("header").keySet())
          .containsExactlyInAnyOrder("cluster_id", "member_id", "revision", "raft_term");
    }
  }

  @Test
  void endpoint_health_reports_every_member_healthy_on_stderr() {
    Result r = cluster.etcdctl().run("endpoint", "health");
    assertOk(r);
    assertThat(r.stdout()).isEmpty();
    List<String> healthy = r.stderr().lines()
        .filter(l -> l.matches("127\\.0\\.0\\.1:\\d+ is healthy: successfully committed proposal: "
            + "took = .+"))
        .toList();
    assertThat(healthy).as(r.describe()).hasSize(3);
  }

  @Test
  void member_list_shows_every_member_started_sorted_by_id() {
    Result r = m2.run("member", "list");
    assertOk(r);
    List<String> rows = r.stdout().lines().toList();
    assertThat(rows).hasSize(3);
    List<String> expected = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    for (String line : rows) {
      String[] cols = line.split(", ", -1);
      assertThat(cols).as(line).hasSize(6);
      assertThat(cols[0]).matches("[0-9a-f]{1,16}");
      ids.add(Long.parseUnsignedLong(cols[0], 16));
      assertThat(cols[1]).isEqualTo("started");
      assertThat(cols[5]).isEqualTo("false");
      expected.add(String.join(", ", cols[2], cols[3], cols[4]));
    }
    assertThat(expected).containsExactlyInAnyOrderElementsOf(cluster.members().stream()
        .map(m -> String.join(", ", m.name(), m.peerUrl(), m.clientUrl())).toList());
    assertThat(ids).as("members are listed by ascending (unsigned) ID")
        .isSortedAccordingTo(Long::compareUnsigned);

    Result j = m3.writeOut("json").run("member", "list");
    assertOk(j);
    JsonObject o = EtcdJson.parse(j.stdout()).getAsJsonObject();
    assertThat(o.keySet()).containsExactly("header", "members");
    assertThat(o.getAsJsonObject("header").keySet())
        .as("etcd's MemberList header carries no revision")
        .containsExactlyInAnyOrder("cluster_id", "member_id", "raft_term");
    for (JsonElement m : o.getAsJsonArray("members")) {
      assertThat(m.getAsJsonObject().keySet())
          .containsExactlyInAnyOrder("ID", "name", "peerURLs", "clientURLs");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // bad input

  /** Requests etcd refuses; nothing may be written. */
  enum BadRequest {
    AN_EMPTY_KEY("etcdserver: key is not provided") {
      @Override
      Result send(Etcdctl etcdctl, String prefix) {
        return etcdctl.run("put", "", "v");
      }
    },
    A_TXN_PUTTING_ONE_KEY_TWICE_IN_A_BRANCH("etcdserver: duplicate key given in txn request") {
      @Override
      Result send(Etcdctl etcdctl, String prefix) {
        return etcdctl.runWithInput("\nput " + prefix + "d 1\nput " + prefix + "d 2\n\n\n", "txn");
      }
    },
    A_VALUE_LARGER_THAN_MAX_REQUEST_BYTES("etcdserver: request is too large") {
      @Override
      Result send(Etcdctl etcdctl, String prefix) {
        return etcdctl.run("put", prefix + "big", "x".repeat(MAX_REQUEST_BYTES + 1024));
      }
    },
    A_TXN_WITH_MORE_THAN_MAX_TXN_OPS_OPS("etcdserver: too many operations in txn request") {
      @Override
      Result send(Etcdctl etcdctl, String prefix) {
        String ops = IntStream.rangeClosed(0, MAX_TXN_OPS)
            .mapToObj(i -> "put " + prefix + "op" + i + " v\n").collect(Collectors.joining());
        return etcdctl.runWithInput("\n" + ops + "\n\n", "txn");
      }
    };

    final String message;

    BadRequest(String message) {
      this.message = message;
    }

    abstract Result send(Etcdctl etcdctl, String prefix);
  }

  @ParameterizedTest(name = "{0} is refused with etcd''s message, exit code 1, and nothing written")
  @EnumSource(BadRequest.class)
  void bad_input_is_refused_with_etcds_message(BadRequest request) {
    long r0 = revision();
    for (Etcdctl member : List.of(m1, m2, m3)) {
      Result r = request.send(member, p);
      assertError(r, request.message);
    }
    assertThat(revision()).as("nothing was written").isEqualTo(r0);
    assertThat(m1.run("get", "--prefix", p).stdout()).isEmpty();
  }

  /** What etcdctl shows is the gRPC status description; the code matters to other clients. */
  @ParameterizedTest(name = "over gRPC: {0} gives {1} \"{2}\"")
  @CsvSource(delimiter = '|', value = {
      "empty key         | INVALID_ARGUMENT | etcdserver: key is not provided",
      "compacted rev     | OUT_OF_RANGE     | etcdserver: mvcc: required revision has been compacted",
      "future rev        | OUT_OF_RANGE     | etcdserver: mvcc: required revision is a future revision",
  })
  void bad_requests_get_etcds_grpc_code_and_description(String what, Status.Code code,
      String description) {
    EtcdGrpc g = grpc(1);
    Function<Void, Object> call = switch (what) {
      case "empty key" -> x -> g.put("", "v");
      case "compacted rev" -> {
        put(p + "k", "1");
        put(p + "k", "2");
        long rev = revision();
        g.compact(rev);
        yield x -> g.range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p + "k"))
            .setRevision(rev - 1).build());
      }
      case "future rev" -> x -> g.range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes(p + "k"))
          .setRevision(revision() + 10).build());
      default -> throw new IllegalArgumentException(what);
    };
    assertThatThrownBy(() -> call.apply(null))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).isEqualTo(description);
        });
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private EtcdGrpc grpc(int index) {
    return cluster.grpc(cluster.member(index));
  }

  /** A put over gRPC for setting up data (what etcdctl prints for put is tested elsewhere). */
  private void put(String key, String value) {
    grpc(0).put(key, value);
  }

  /** The cluster's current revision, read linearizably. */
  private long revision() {
    return grpc(0).range(RangeRequest.newBuilder().setKey(EtcdGrpc.bytes("/no-such-key")).build())
        .getHeader().getRevision();
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  /** Replaces the values of etcdctl's fields output that differ per cluster with '*'. */
  private static String maskIdentity(String fields) {
    return fields.replaceAll("(?m)^(\"(ClusterID|MemberID|RaftTerm)\" : ).*$", "$1*");
  }

  private static void assertOk(Result r) {
    assertThat(r.exitCode()).as("exit code of %s", r).isZero();
  }

  private static void assertError(Result r, String message) {
    assertThat(r.exitCode()).as("exit code of %s", r).isEqualTo(1);
    assertThat(r.stdout()).as("stdout of %s", r).isEmpty();
    assertThat(r.error()).as("final 'Error:' line on stderr of %s", r).hasValue(message);
  }
}
