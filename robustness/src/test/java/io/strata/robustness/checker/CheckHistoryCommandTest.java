package io.strata.robustness.checker;

import static io.strata.robustness.checker.Histories.kv;
import static io.strata.robustness.checker.Histories.putEvent;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckHistoryCommandTest {

  @TempDir Path dir;

  private Path save(String name, History h) throws IOException {
    Path f = dir.resolve(name);
    try (Writer w = Files.newBufferedWriter(f)) {
      HistoryCodec.write(h, w);
    }
    return f;
  }

  private static History good() {
    Request.Txn txn = new Request.Txn(
        List.of(Compare.value("a", Compare.Result.EQUAL, "a\"1")),
        List.of(Histories.put("a", "a2")), List.of(new Request.Range(KeyRange.prefix("a"), 0)));
    return new Histories()
        .put(1, 0, 10, "a", "a\"1", 2)
        .op(1, 11, 20, txn, new Response.Txn(3, true, List.of(new Response.Put(3, null))))
        .putUnknown(2, 21, "b", "b1")
        .get(2, 30, 40, "a", 3, kv("a", "a2", 2, 3, 2))
        .watch(KeyRange.single("a"), 2, WatchStream.Reply.events(2, putEvent("a", "a\"1", 2, 2, 1)),
            WatchStream.Reply.progress(2))
        .build();
  }

  @Test
  void aHistorySurvivesTheRoundTrip() throws IOException {
    History h = good();
    assertThat(HistoryCodec.read(save("h.jsonl", h))).isEqualTo(h);
  }

  @Test
  void exitsZeroOnlyWhenEveryHistoryIsOk() throws IOException {
    Path ok = save("ok.jsonl", good());
    Path bad = save("bad.jsonl", new Histories()
        .put(1, 0, 10, "a", "a1", 2).get(2, 20, 30, "a", 2).build());
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new CheckHistoryCommand()).setOut(new PrintWriter(out));
    assertThat(cl.execute(ok.toString())).isZero();
    assertThat(out.toString()).contains("ok.jsonl: OK");
    out.getBuffer().setLength(0);
    assertThat(cl.execute(ok.toString(), bad.toString())).isEqualTo(1);
    assertThat(out.toString()).contains("ok.jsonl: OK", "bad.jsonl: VIOLATION: lost-write");
  }

  @Test
  void layerTwoDecidesWhatLayerOneHadToGuess() {
    // Two unknown puts either of which could fill revision 2: layer 1 guesses, layer 2 decides.
    History h = new Histories()
        .putUnknown(1, 0, "a", "a1")
        .putUnknown(2, 0, "a", "a2")
        .put(3, 5, 15, "b", "b1", 3)
        .op(3, 20, 30, new Request.Range(KeyRange.single("b"), 0),
            new Response.Range(3, List.of(kv("b", "b1", 3, 3, 1))))
        .build();
    HistoryChecker.Verdict v =
        new HistoryChecker(java.time.Duration.ofSeconds(30), java.time.Clock.systemUTC(), false)
            .check(h);
    assertThat(v.outcome()).isEqualTo(HistoryChecker.Outcome.OK);
    assertThat(v.notes()).anyMatch(n -> n.startsWith("layer 2: OK"));
  }
}
