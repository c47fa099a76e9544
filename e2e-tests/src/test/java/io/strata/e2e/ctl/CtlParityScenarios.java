package io.strata.e2e.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.strata.e2e.ctl.CtlCase.Endpoints;
import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * stratactl prints what etcdctl 3.4 prints: each command line of the table below is run by
 * Debian's etcdctl and then by stratactl, with the same global flags and input, in each output
 * format (simple, json, table), and the two runs must agree byte for byte on stdout, on stderr
 * (without etcdctl's client-side retry log lines) and on the exit code. Where a value legitimately
 * differs between two runs the case names a {@link Mask}; a write first restores its starting
 * state with etcdctl before each run.
 *
 * <p>Written once, run on two servers: {@link StrataCtlParityTest} on a 3-member Strata cluster,
 * {@link EtcdCtlParityTest} on a 3-member etcd 3.4 cluster (which proves the expectations are
 * etcdctl's own behaviour against etcd, not merely against Strata). One cluster per class; the
 * scenario seeds its keys, a lease, a user and a role under names of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CtlParityScenarios {

  static final List<String> FORMATS = List.of("simple", "json", "table");

  @RegisterExtension static final ClusterExtension clusters = new ClusterExtension();

  Cluster cluster;
  /** A revision that is kept (after the compaction) and one that was compacted away. */
  long keptRevision;
  String leaseId;
  String memberId;

  abstract Backend backend();

  @BeforeAll
  void seed() {
    cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    Etcdctl etcdctl = cluster.etcdctl(cluster.member(0));
    run(etcdctl, "put", "ctl/a", "1");
    run(etcdctl, "put", "ctl/a", "one");
    keptRevision = revision(etcdctl);
    run(etcdctl, "compaction", Long.toString(keptRevision));
    run(etcdctl, "put", "ctl/b", "two words");
    run(etcdctl, "put", "ctl/c", "<three & more>");
    run(etcdctl, "put", "ctl/d", "");
    String granted = run(etcdctl, "lease", "grant", "600").stdout();
    leaseId = granted.split(" ")[1];
    run(etcdctl, "put", "ctl/leased", "x", "--lease=" + leaseId);
    run(etcdctl, "user", "add", "ctl-user:secret");
    run(etcdctl, "role", "add", "ctl-role");
    run(etcdctl, "role", "grant-permission", "ctl-role", "readwrite", "ctl/a", "ctl/c");
    run(etcdctl, "role", "grant-permission", "ctl-role", "read", "ctl/", "--prefix");
    run(etcdctl, "role", "grant-permission", "ctl-role", "write", "ctl/z", "--from-key");
    run(etcdctl, "role", "grant-permission", "ctl-role", "write", "ctl/single");
    run(etcdctl, "user", "grant-role", "ctl-user", "ctl-role");
    memberId = run(etcdctl, "member", "list").stdout().lines().findFirst().orElseThrow().split(",")[0];
  }

  static Etcdctl.Result run(Etcdctl etcdctl, String... args) {
    Etcdctl.Result result = etcdctl.run(args);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    return result;
  }

  static long revision(Etcdctl etcdctl) {
    String json = etcdctl.writeOut("json").run("get", "ctl/a").stdout();
    return JsonParser.parseString(json).getAsJsonObject().getAsJsonObject("header").get("revision").getAsLong();
  }

  static Stream<CtlCase> cases() {
    String txnReads = "mod(\"ctl/a\") > \"0\"\nval(\"ctl/b\") = \"two words\"\n\nget ctl/a\nget ctl/ --prefix --keys-only\n\nget ctl/c\n\n";
    String txnFails = "ver(\"ctl/a\") < \"1\"\n\nget ctl/a\n\nget ctl/b ctl/d\ndel nothing/here\n\n";
    return Stream.of(
        // get
        CtlCase.of("get ctl/a"),
        CtlCase.of("get ctl/ --prefix"),
        CtlCase.of("get ctl/ --prefix --keys-only"),
        CtlCase.of("get ctl/ --prefix --print-value-only"),
        CtlCase.of("get ctl/a ctl/c"),
        CtlCase.of("get ctl/ --prefix --sort-by=MODIFY --order=DESCEND --limit=2"),
        CtlCase.of("get ctl/b --from-key --sort-by=value"),
        CtlCase.of("get ctl/a --rev={rev}"),
        CtlCase.of("get ctl/a --rev=1"),
        CtlCase.of("get ctl/a --consistency=s --hex"),
        CtlCase.of("get nothing/here"),
        CtlCase.of("get"),
        CtlCase.of("get ctl/ --prefix --from-key"),
        CtlCase.of("get ctl/a ctl/b --prefix"),
        CtlCase.of("get ctl/a --sort-by=NAME"),
        CtlCase.of("get ctl/a --order=UP"),
        CtlCase.of("get ctl/a --consistency=x"),
        // put and del (writes: each run starts from the same state)
        CtlCase.of("put ctl/w/k v2 --prev-kv").after("del ctl/w/ --prefix; put ctl/w/k v1"),
        CtlCase.of("put ctl/w/k v^with^spaces").after("del ctl/w/ --prefix"),
        CtlCase.of("put ctl/w/k --ignore-value --prev-kv").after("del ctl/w/ --prefix; put ctl/w/k kept"),
        CtlCase.of("put ctl/w/k").input("from stdin\n").after("del ctl/w/ --prefix"),
        CtlCase.of("put ctl/w/k"),
        CtlCase.of("put"),
        CtlCase.of("put ctl/w/k v --ignore-value"),
        CtlCase.of("put ctl/w/k v --lease=zz"),
        CtlCase.of("put ctl/w/k v --lease=1234"),
        CtlCase.of("del ctl/w/ --prefix --prev-kv").after("del ctl/w/ --prefix; put ctl/w/1 a; put ctl/w/2 b"),
        CtlCase.of("del ctl/w/1 ctl/w/3").after("del ctl/w/ --prefix; put ctl/w/1 a; put ctl/w/2 b; put ctl/w/3 c"),
        CtlCase.of("del ctl/w/none"),
        CtlCase.of("del"),
        CtlCase.of("del a b c"),
        CtlCase.of("del ctl/ --prefix --from-key"),
        // txn
        CtlCase.of("txn").input(txnReads),
        CtlCase.of("txn -i").input(txnReads),
        CtlCase.of("txn").input(txnFails),
        CtlCase.of("txn").input("val(\"ctl/w/t\") = \"1\"\n\nput ctl/w/t 2 --prev-kv\ndel ctl/w/u --prev-kv\n\nput ctl/w/t 0\n\n")
            .after("del ctl/w/ --prefix; put ctl/w/t 1; put ctl/w/u u"),
        CtlCase.of("txn").input("bad\n\n\n\n"),
        CtlCase.of("txn").input("mod(ctl/a) > \"0\"\n\n\n\n"),
        CtlCase.of("txn").input("mod(\"ctl/a\") >\n\n\n\n"),
        CtlCase.of("txn").input("mod(\"ctl/a\") > \"x\"\n\n\n\n"),
        CtlCase.of("txn").input("size(\"ctl/a\") > \"1\"\n\n\n\n"),
        CtlCase.of("txn").input("\nfetch ctl/a\n\n\n"),
        CtlCase.of("txn").input("\n\n"),
        CtlCase.of("txn extra"),
        // compaction, watch of compacted history
        CtlCase.of("compaction"),
        CtlCase.of("compaction abc"),
        CtlCase.of("compaction 1"),
        CtlCase.of("compaction 99999999"),
        CtlCase.of("watch ctl/ --prefix --rev=1"),
        CtlCase.of("watch"),
        CtlCase.of("watch ctl/a ctl/b --prefix"),
        // lease
        CtlCase.of("lease timetolive {lease}").masking(Mask.REMAINING_TTL),
        CtlCase.of("lease timetolive {lease} --keys").masking(Mask.REMAINING_TTL),
        CtlCase.of("lease timetolive 1234"),
        CtlCase.of("lease timetolive zz"),
        CtlCase.of("lease list"),
        CtlCase.of("lease grant"),
        CtlCase.of("lease grant x"),
        CtlCase.of("lease revoke 1234"),
        CtlCase.of("lease keep-alive --once 1234"),
        CtlCase.of("lease keep-alive"),
        // member
        CtlCase.of("member list"),
        CtlCase.of("member remove zz"),
        CtlCase.of("member remove 1234"),
        CtlCase.of("member add"),
        CtlCase.of("member add x http://127.0.0.1:1"),
        CtlCase.of("member add x"),
        CtlCase.of("member add x --peer-urls=127.0.0.1:1"),
        CtlCase.of("member update {member}"),
        CtlCase.of("member promote {member}"),
        CtlCase.of("member promote"),
        // endpoint
        CtlCase.of("endpoint status").on(Endpoints.ALL).masking(Mask.STATUS_COUNTERS),
        CtlCase.of("endpoint status --cluster").masking(Mask.STATUS_COUNTERS),
        CtlCase.of("endpoint health").masking(Mask.TOOK),
        CtlCase.of("endpoint hashkv").on(Endpoints.ALL),
        CtlCase.of("endpoint hashkv --cluster"),
        CtlCase.of("endpoint hashkv --rev={rev}").on(Endpoints.ALL),
        // maintenance
        CtlCase.of("alarm list"),
        CtlCase.of("alarm disarm"),
        CtlCase.of("defrag"),
        CtlCase.of("defrag --cluster"),
        CtlCase.of("snapshot save"),
        CtlCase.of("snapshot save /nonexistent/dir/x.db"),
        CtlCase.of("snapshot save x.db").on(Endpoints.ALL),
        CtlCase.of("move-leader 1234").on(Endpoints.ALL),
        CtlCase.of("move-leader zz"),
        CtlCase.of("move-leader"),
        // auth
        CtlCase.of("user list"),
        CtlCase.of("user get ctl-user"),
        CtlCase.of("user get ctl-user --detail"),
        CtlCase.of("user get nobody"),
        CtlCase.of("user get"),
        CtlCase.of("user add ctl-new:pw").after("user add ctl-new:x; user delete ctl-new"),
        CtlCase.of("user add :pw"),
        CtlCase.of("user passwd ctl-user --interactive=false").input("secret\n"),
        CtlCase.of("user grant-role ctl-user"),
        CtlCase.of("user revoke-role ctl-user nosuch-role"),
        CtlCase.of("role list"),
        CtlCase.of("role get ctl-role"),
        CtlCase.of("role get nosuch-role"),
        CtlCase.of("role add ctl-new-role").after("role add ctl-new-role; role delete ctl-new-role"),
        CtlCase.of("role grant-permission ctl-role bad ctl/a"),
        CtlCase.of("role grant-permission ctl-role read"),
        CtlCase.of("role grant-permission ctl-role read a b --prefix"),
        CtlCase.of("role revoke-permission ctl-role ctl/w/ --prefix")
            .after("role grant-permission ctl-role write ctl/w/ --prefix"),
        CtlCase.of("role revoke-permission ctl-role nothing/granted"),
        CtlCase.of("auth enable extra"),
        CtlCase.of("auth disable extra"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void printsWhatEtcdctlPrints(CtlCase line) {
    List<String> mismatches = new ArrayList<>();
    for (String format : FORMATS) {
      String endpoints =
          line.endpoints() == Endpoints.ALL ? cluster.endpoints() : cluster.member(0).clientEndpoint();
      List<String> args = line.args().stream().map(this::substitute).toList();
      restore(line);
      CtlRun etcdctl = CtlRun.etcdctl(endpoints, format, line.stdin(), args).masked(line.mask());
      restore(line);
      CtlRun stratactl = CtlRun.stratactl(endpoints, format, line.stdin(), args).masked(line.mask());
      if (!etcdctl.equals(stratactl)) {
        mismatches.add("-w " + format + "\netcdctl:\n" + etcdctl + "\nstratactl:\n" + stratactl);
      }
    }
    assertThat(mismatches).as("outputs of %s", line).isEmpty();
  }

  private void restore(CtlCase line) {
    Etcdctl etcdctl = cluster.etcdctl(cluster.member(0));
    for (List<String> setup : line.setup()) {
      etcdctl.run(setup.toArray(String[]::new));
    }
  }

  String substitute(String arg) {
    return arg.replace("{lease}", leaseId)
        .replace("{rev}", Long.toString(keptRevision))
        .replace("{member}", memberId);
  }
}
