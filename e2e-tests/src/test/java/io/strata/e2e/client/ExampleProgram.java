package io.strata.e2e.client;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.client.KeepAlive;
import io.strata.client.KeepAliveListener;
import io.strata.client.StrataClient;
import io.strata.client.Watcher;
import java.io.PrintStream;
import java.time.Duration;

public final class ExampleProgram {
  public static void main(String[] args) {
    run(args.length > 0 ? args[0] : "127.0.0.1:2379", System.out);
  }

  static void run(String endpoints, PrintStream out) {
    try (StrataClient client = StrataClient.builder()
        .endpoints(endpoints.split(","))
        .requestTimeout(Duration.ofSeconds(10))
        .build()) {
      ByteString key = ByteString.copyFromUtf8("greeting");

      // Watch the key: each event once, in order, even across member failures.
      Watcher watcher = client.watch().watch(key, response -> response.getEventsList().forEach(event ->
          out.println("watched " + event.getType() + " " + event.getKv().getValue().toStringUtf8())));
      watcher.created().join();

      // Every call returns a CompletableFuture; join() waits for it here, for brevity.
      client.kv().put(key, ByteString.copyFromUtf8("hello")).join();
      out.println("get: " + client.kv().get(key).join().getKvs(0).getValue().toStringUtf8());

      // Compare-and-swap: "world" only if the value is still "hello".
      TxnRequest swap = TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.VALUE)
              .setResult(Compare.CompareResult.EQUAL).setValue(ByteString.copyFromUtf8("hello")))
          .addSuccess(RequestOp.newBuilder().setRequestPut(
              PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("world"))))
          .build();
      out.println("swapped: " + client.kv().txn(swap).join().getSucceeded());

      // A session key that lives while the program keeps its lease alive.
      long leaseId = client.lease().grant(10).join().getID();
      client.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("session"))
          .setValue(ByteString.copyFromUtf8("alive")).setLease(leaseId).build()).join();
      try (KeepAlive keepAlive = client.lease().keepAlive(leaseId, new KeepAliveListener() {
        @Override
        public void onLost(long id) {
          out.println("lease " + id + " lost");
        }
      })) {
        out.println("session TTL: " + client.lease().timeToLive(leaseId, false).join().getTTL() + " s");
      }
      client.lease().revoke(leaseId).join(); // deletes "session" at once
      watcher.close();
    }
  }
}
