package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.Status;
import io.strata.api.peerpb.ForwardRequest;
import io.strata.api.peerpb.ForwardResponse;
import io.strata.api.raftpb.Entry;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A forwarded write that no member could apply is refused before the proposer even asks Raft
 * whether it leads (this proposer has no Raft node at all: consulting it would throw).
 */
class ProposerForwardTest {
  enum Unappliable {
    EMPTY(ByteString.EMPTY, "etcdserver: forwarded entry carries no command this version knows"),
    ONLY_UNKNOWN_FIELDS(Entry.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build().toByteString(),
        "etcdserver: forwarded entry carries no command this version knows"),
    MALFORMED(ByteString.copyFrom(new byte[] {0x0a, 0x7f, 0x61}), "etcdserver: malformed forwarded entry");

    final ByteString entry;
    final String message;

    Unappliable(ByteString entry, String message) {
      this.entry = entry;
      this.message = message;
    }
  }

  @ParameterizedTest
  @EnumSource(Unappliable.class)
  void an_entry_no_member_could_apply_is_refused(Unappliable forwarded) {
    Proposer proposer = new Proposer(null, null, null, 1000, 1 << 20, 1, null);
    CompletableFuture<ForwardResponse> reply = new CompletableFuture<>();
    proposer.serveForward(ForwardRequest.newBuilder().setEntry(forwarded.entry).build(), reply);
    assertThat(reply).isCompleted();
    var error = reply.join().getResult().getError();
    assertThat(error.getGrpcCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(error.getMessage()).isEqualTo(forwarded.message);
    assertThat(reply.join().getRefused()).isFalse();
  }
}
