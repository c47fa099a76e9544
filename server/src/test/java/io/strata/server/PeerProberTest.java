package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.api.etcdserverpb.Member;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The prober times one probe per other member, from sending to the answer, on an injected clock. */
class PeerProberTest {
  private static final long SELF = 0x1aL;
  private final AtomicLong nanos = new AtomicLong(1_000);
  private final Map<String, List<CompletableFuture<Object>>> sent = new LinkedHashMap<>();
  private final List<String> recorded = new ArrayList<>();
  private List<Member> members = List.of(member(SELF, "http://127.0.0.1:2380"), member(0x2bL, "http://127.0.0.1:2480"),
      member(0x3cL, "http://127.0.0.1:2580"));

  private final PeerProber prober = new PeerProber(SELF, () -> members, (peer, timeoutMs) -> {
    CompletableFuture<Object> answer = new CompletableFuture<>();
    sent.computeIfAbsent(peer, p -> new ArrayList<>()).add(answer);
    return answer;
  }, (to, rtt) -> recorded.add(to + "=" + rtt), nanos::get);

  private static Member member(long id, String peerUrl) {
    return Member.newBuilder().setID(id).addPeerURLs(peerUrl).build();
  }

  @Test
  void every_other_member_is_probed_and_its_answer_timed_under_its_hex_id() {
    prober.round();
    assertThat(sent.keySet()).containsExactly("127.0.0.1:2480", "127.0.0.1:2580");
    nanos.addAndGet(700_000);
    sent.get("127.0.0.1:2580").get(0).complete("answer");
    nanos.addAndGet(300_000);
    sent.get("127.0.0.1:2480").get(0).complete("answer");
    assertThat(recorded).containsExactly("3c=700000", "2b=1000000");
  }

  @Test
  void a_failed_probe_records_nothing_and_the_member_is_probed_again_next_round() {
    prober.round();
    sent.get("127.0.0.1:2480").get(0).completeExceptionally(new IllegalStateException("connection refused"));
    prober.round();
    assertThat(recorded).isEmpty();
    assertThat(sent.get("127.0.0.1:2480")).as("probed again").hasSize(2);
  }

  @Test
  void a_member_whose_probe_is_still_out_is_not_probed_again() {
    prober.round();
    sent.get("127.0.0.1:2480").get(0).complete("answer");
    prober.round();
    assertThat(sent.get("127.0.0.1:2480")).hasSize(2);
    assertThat(sent.get("127.0.0.1:2580")).as("its first probe has no answer yet").hasSize(1);
  }

  @Test
  void members_added_later_are_probed_and_a_closed_prober_probes_nothing() {
    prober.round();
    members = new ArrayList<>(members);
    members.add(member(0x4dL, "http://127.0.0.1:2680"));
    prober.round();
    assertThat(sent).containsKey("127.0.0.1:2680");
    prober.close();
    sent.get("127.0.0.1:2680").get(0).complete("answer");
    prober.round();
    assertThat(recorded).isEmpty();
    assertThat(sent.get("127.0.0.1:2680")).hasSize(1);
  }
}
