package io.strata.server.lease;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.server.EtcdErrors;

/** etcd's lease errors (rpctypes), with the same gRPC codes and messages. */
final class LeaseErrors {
  private LeaseErrors() {}

  static final StatusRuntimeException NOT_FOUND = EtcdErrors.LEASE_NOT_FOUND;
  static final StatusRuntimeException EXISTS =
      EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
  static final StatusRuntimeException TTL_TOO_LARGE =
      EtcdErrors.error(Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL");
}
