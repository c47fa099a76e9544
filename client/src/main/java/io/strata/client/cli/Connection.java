package io.strata.client.cli;

import io.grpc.Channel;
import io.strata.api.etcdserverpb.ClusterGrpc;
import io.strata.api.etcdserverpb.MaintenanceGrpc;
import io.strata.client.Endpoint;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A connected channel to one member, carrying the auth token if stratactl logged in. Stubs it
 * hands out carry a fresh {@code --command-timeout} deadline, so get one per call. Thread-safe
 * (gRPC channels are); the channel belongs to the {@link Connections} that made it.
 */
record Connection(Endpoint endpoint, Channel channel, Duration commandTimeout) {

  MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
    return MaintenanceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  ClusterGrpc.ClusterBlockingStub cluster() {
    return ClusterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
