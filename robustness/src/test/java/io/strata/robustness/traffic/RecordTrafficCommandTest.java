package io.strata.robustness.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.strata.robustness.checker.History;
import io.strata.robustness.checker.HistoryChecker;
import io.strata.robustness.checker.HistoryCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RecordTrafficCommandTest {

  @Test
  void records_a_history_over_tcp_that_the_checker_accepts(@TempDir Path dir) throws Exception {
    io.grpc.ServerBuilder<?> builder =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create());
    new FakeEtcd().services().forEach(builder::addService);
    Server server = builder.build().start();
    try {
      Path file = dir.resolve("h.jsonl");
      StringWriter out = new StringWriter();
      CommandLine cmd = new CommandLine(new RecordTrafficCommand());
      cmd.setOut(new PrintWriter(out));
      int exit = cmd.execute("--endpoints", "127.0.0.1:" + server.getPort(), "--seed", "9",
          "--clients", "2", "--ops", "200", "--out", file.toString());
      assertThat(exit).as(out.toString()).isZero();
      assertThat(out.toString()).contains("seed 9: 200 operations");

      History h = HistoryCodec.read(file);
      assertThat(h.operations()).hasSize(200);
      assertThat(h.watches()).as("two watchers, at least a stream each").hasSizeGreaterThanOrEqualTo(2);
      assertThat(out.toString()).contains("2 caught up");
      HistoryChecker.Verdict v =
          new HistoryChecker(Duration.ofSeconds(20), Clock.systemUTC(), true).check(h);
      assertThat(v.outcome()).as(v.toString()).isEqualTo(HistoryChecker.Outcome.OK);
    } finally {
      server.shutdownNow();
    }
  }
}
