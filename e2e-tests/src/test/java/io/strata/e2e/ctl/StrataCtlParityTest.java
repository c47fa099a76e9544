package io.strata.e2e.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.FreePorts;
import io.strata.e2e.harness.Stratactl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stratactl and etcdctl against a Strata cluster: the same outputs for the table of {@link
 * CtlParityScenarios}, and here the commands that need more than one run to compare: watch (two
 * long-running processes), membership, snapshot save, compaction and auth (writes that cannot be
 * undone), the {@code bin/stratactl} process itself, {@code check perf} and completion.
 */
@Tag("strata")
class StrataCtlParityTest extends CtlParityScenarios {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Override
  Backend backend() {
    return Backend.STRATA;
  }

  @Test
  void watchPrintsTheSameEventsAsEtcdctlInEachFormat() throws Exception {
    Etcdctl etcdctl = cluster.etcdctl(cluster.member(0));
    run(etcdctl, "put", "ctlw/1", "a");
    long start = revision(etcdctl);
    run(etcdctl, "put", "ctlw/1", "b");
    run(etcdctl, "put", "ctlw/2", "c");
    run(etcdctl, "del", "ctlw/1");
    run(etcdctl, "del", "ctlw/2");
    String endpoint = cluster.member(0).clientEndpoint();
    for (String format : List.of("simple", "json")) {
      String last = format.equals("simple") ? "DELETE\nctlw/2\nc\nctlw/2\n\n" : "\"mod_revision\":" + (start + 4) + "}";
      String[] watch = {"--write-out=" + format, "watch", "ctlw/", "--prefix", "--prev-kv", "--rev=" + start};
      List<String> etcdctlCommand = new ArrayList<>(List.of(Etcdctl.binary().toString(), "--endpoints=" + endpoint));
      etcdctlCommand.addAll(Arrays.asList(watch));
      String byEtcdctl;
      try (BackgroundCtl process = new BackgroundCtl(etcdctlCommand)) {
        byEtcdctl = process.awaitStdoutContaining(last, WAIT);
      }
      String byStratactl;
      try (BackgroundCtl process = new BackgroundCtl(Stratactl.forEndpoints(endpoint).command(watch))) {
        byStratactl = process.awaitStdoutContaining(last, WAIT);
      }
      assertThat(byStratactl).as("watch -w %s", format).isEqualTo(byEtcdctl);
    }
  }

  @Test
  void theStratactlProcessExitsWithEtcdctlsCodes() {
    String endpoint = cluster.member(0).clientEndpoint();
    for (String[] args : List.of(new String[] {"get", "ctl/a"}, new String[] {"get"}, new String[] {"get", "ctl/a", "-w", "table"})) {
      Etcdctl.Result etcdctl = Etcdctl.forEndpoints(endpoint).run(args);
      Etcdctl.Result stratactl = Stratactl.forEndpoints(endpoint).run(args);
      assertThat(stratactl.exitCode()).as(stratactl.describe()).isEqualTo(etcdctl.exitCode());
      assertThat(stratactl.stdout()).isEqualTo(etcdctl.stdout());
      assertThat(stratactl.error()).isEqualTo(etcdctl.error());
    }
  }

  @Test
  void memberAddUpdateRemoveOfALearnerPrintWhatEtcdctlPrints() {
    // One endpoint: with several, etcdctl's balancer picks one at random, and the header names it.
    String endpoints = cluster.member(0).clientEndpoint();
    String url = "http://127.0.0.1:" + FreePorts.next();
    List<String> add = List.of("member", "add", "ctl-learner", "--peer-urls=" + url, "--learner");

    CtlRun byEtcdctl = CtlRun.etcdctl(endpoints, "simple", null, add);
    String etcdctlId = addedId(byEtcdctl);
    CtlRun removedByEtcdctl = CtlRun.etcdctl(endpoints, "simple", null, List.of("member", "remove", etcdctlId));
    CtlRun byStratactl = CtlRun.stratactl(endpoints, "simple", null, add);
    String stratactlId = addedId(byStratactl);

    assertThat(normalizedAdd(byStratactl, stratactlId)).isEqualTo(normalizedAdd(byEtcdctl, etcdctlId));
    String otherUrl = "http://127.0.0.1:" + FreePorts.next();
    for (String format : FORMATS) {
      List<String> update = List.of("member", "update", stratactlId, "--peer-urls=" + otherUrl);
      assertThat(CtlRun.stratactl(endpoints, format, null, update))
          .isEqualTo(CtlRun.etcdctl(endpoints, format, null, update));
    }
    CtlRun removedByStratactl =
        CtlRun.stratactl(endpoints, "simple", null, List.of("member", "remove", stratactlId));
    assertThat(removedByStratactl.toString().replace(stratactlId.strip(), "<id>"))
        .isEqualTo(removedByEtcdctl.toString().replace(etcdctlId.strip(), "<id>"));
  }

  /** The new member's id from member add's first line ({@code Member <id> added to cluster <id>}). */
  private static String addedId(CtlRun run) {
    Matcher matcher = Pattern.compile("^Member +([0-9a-f]+) added").matcher(run.stdout());
    assertThat(matcher.find()).as(run.toString()).isTrue();
    return matcher.group(1);
  }

  /**
   * member add's printout with the new member's id masked (each add makes a new id) and the
   * entries of ETCD_INITIAL_CLUSTER sorted (they follow the member list, ordered by id).
   */
  private static String normalizedAdd(CtlRun run, String id) {
    StringBuilder text = new StringBuilder("exit " + run.exitCode() + "\n" + run.stderr());
    for (String line : run.stdout().split("\n", -1)) {
      String masked = line.replaceFirst("^Member +" + id, "Member <id>");
      if (masked.startsWith("ETCD_INITIAL_CLUSTER=")) {
        String value = masked.substring("ETCD_INITIAL_CLUSTER=\"".length(), masked.length() - 1);
        masked = "ETCD_INITIAL_CLUSTER=" + Arrays.stream(value.split(",")).sorted().toList();
      }
      text.append(masked).append('\n');
    }
    return text.toString();
  }

  @Test
  void snapshotSaveWritesTheFileAndSaysSoAsEtcdctl(@TempDir Path dir) throws Exception {
    String endpoint = cluster.member(0).clientEndpoint();
    Path byEtcdctl = dir.resolve("etcdctl.db");
    Path byStratactl = dir.resolve("stratactl.db");

    CtlRun etcdctl = CtlRun.etcdctl(endpoint, "simple", null, List.of("snapshot", "save", byEtcdctl.toString()));
    CtlRun stratactl = CtlRun.stratactl(endpoint, "simple", null, List.of("snapshot", "save", byStratactl.toString()));

    assertThat(etcdctl.exitCode()).isZero();
    assertThat(stratactl.stdout()).isEqualTo(etcdctl.stdout().replace(byEtcdctl.toString(), byStratactl.toString()));
    assertThat(stratactl.exitCode()).isZero();
    assertThat(stratactl.stderr()).isEmpty();
    assertThat(Files.size(byStratactl)).isPositive().isEqualTo(Files.size(byEtcdctl));
    assertThat(Path.of(byStratactl + ".part")).doesNotExist();
  }

  @Test
  void compactionPrintsTheRevisionAsEtcdctl() {
    Etcdctl etcdctl = cluster.etcdctl(cluster.member(0));
    run(etcdctl, "put", "ctlc/k", "1");
    long first = revision(etcdctl);
    run(etcdctl, "put", "ctlc/k", "2");
    long second = first + 1;
    String endpoint = cluster.member(0).clientEndpoint();

    CtlRun byEtcdctl = CtlRun.etcdctl(endpoint, "json", null, List.of("compaction", Long.toString(first)));
    CtlRun byStratactl =
        CtlRun.stratactl(endpoint, "json", null, List.of("compaction", Long.toString(second), "--physical"));

    assertThat(byEtcdctl.stdout()).isEqualTo("compacted revision " + first + "\n");
    assertThat(byStratactl).isEqualTo(new CtlRun(0, "compacted revision " + second + "\n", ""));
  }

  @Test
  void authEnableAndDisablePrintWhatEtcdctlPrints() {
    Etcdctl etcdctl = cluster.etcdctl(cluster.member(0));
    String endpoint = cluster.member(0).clientEndpoint();
    List<String> enable = List.of("auth", "enable");
    List<String> disable = List.of("--user=root:rootpw", "auth", "disable");

    CtlRun noRootByEtcdctl = CtlRun.etcdctl(endpoint, "simple", null, enable);
    CtlRun noRootByStratactl = CtlRun.stratactl(endpoint, "simple", null, enable);
    assertThat(noRootByStratactl).isEqualTo(noRootByEtcdctl);

    run(etcdctl, "user", "add", "root:rootpw");
    try {
      CtlRun enabledByEtcdctl = CtlRun.etcdctl(endpoint, "simple", null, enable);
      CtlRun disabledByEtcdctl = CtlRun.etcdctl(endpoint, "simple", null, disable);
      CtlRun enabledByStratactl = CtlRun.stratactl(endpoint, "simple", null, enable);
      CtlRun disabledByStratactl = CtlRun.stratactl(endpoint, "simple", null, disable);
      assertThat(enabledByStratactl).isEqualTo(enabledByEtcdctl);
      assertThat(disabledByStratactl).isEqualTo(disabledByEtcdctl);
      assertThat(enabledByStratactl.stdout()).isEqualTo("Authentication Enabled\n");
    } finally {
      etcdctl.withUser("root:rootpw").run("auth", "disable");
      run(etcdctl, "user", "delete", "root");
    }
  }

  @Test
  void checkPerfRunsATinyLoadAndPrintsEtcdctlsVerdictLines() {
    String endpoint = cluster.member(0).clientEndpoint();

    // A load test: its numbers are measured, never asserted; the lines must have etcdctl's shape.
    CtlRun run =
        CtlRun.stratactl(
            endpoint, "simple", null, List.of("check", "perf", "--load=s", "--duration=2s", "--prefix=/ctl-perf/"));

    List<String> lines = run.stdout().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).matches("PASS: Throughput is \\d+ writes/s|FAIL: Throughput too low: \\d+ writes/s");
    assertThat(lines.get(1)).matches("PASS: Slowest request took \\d+\\.\\d{6}s|Slowest request took too long: \\d+\\.\\d{6}s");
    assertThat(lines.get(2)).matches("PASS: Stddev is \\d+\\.\\d{6}s|Stddev too high: \\d+\\.\\d{6}s");
    assertThat(lines.get(3)).isIn("PASS", "FAIL");
    assertThat(run.exitCode()).isEqualTo(lines.get(3).equals("PASS") ? 0 : 1);
    assertThat(cluster.etcdctl(cluster.member(0)).run("get", "/ctl-perf/", "--prefix", "--keys-only").stdout())
        .as("check perf deletes what it wrote")
        .isEmpty();
  }

  @Test
  void completionScriptsCoverTheCommands() {
    CtlRun bash = CtlRun.stratactl(cluster.member(0).clientEndpoint(), "simple", null, List.of("completion", "bash"));

    assertThat(bash.exitCode()).isZero();
    assertThat(bash.stdout()).contains("complete -F").contains("endpoint").contains("--write-out");
  }
}
