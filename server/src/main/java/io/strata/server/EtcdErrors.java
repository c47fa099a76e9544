package io.strata.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.peerpb.RpcError;

/**
 * etcd's gRPC errors: the same codes and messages as etcd's {@code rpctypes}, so that etcd's
 * clients recognise them (clientv3 matches on the message text) and tools print the same text.
 */
public final class EtcdErrors {
  private EtcdErrors() {}

  public static final StatusRuntimeException EMPTY_KEY = error(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
  public static final StatusRuntimeException KEY_NOT_FOUND = error(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found");
  public static final StatusRuntimeException VALUE_PROVIDED = error(Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided");
  public static final StatusRuntimeException LEASE_PROVIDED = error(Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided");
  public static final StatusRuntimeException TOO_MANY_OPS = error(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request");
  public static final StatusRuntimeException DUPLICATE_KEY = error(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request");
  public static final StatusRuntimeException INVALID_SORT_OPTION = error(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid sort option");
  public static final StatusRuntimeException COMPACTED = error(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
  public static final StatusRuntimeException FUTURE_REV = error(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
  public static final StatusRuntimeException NO_SPACE = error(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded");
  public static final StatusRuntimeException LEASE_NOT_FOUND = error(Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
  public static final StatusRuntimeException REQUEST_TOO_LARGE = error(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
  public static final StatusRuntimeException NO_LEADER = error(Status.Code.UNAVAILABLE, "etcdserver: no leader");
  public static final StatusRuntimeException NOT_LEADER = error(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader");
  public static final StatusRuntimeException LEADER_CHANGED = error(Status.Code.UNAVAILABLE, "etcdserver: leader changed");
  public static final StatusRuntimeException STOPPED = error(Status.Code.UNAVAILABLE, "etcdserver: server stopped");
  public static final StatusRuntimeException TIMEOUT = error(Status.Code.UNAVAILABLE, "etcdserver: request timed out");
  public static final StatusRuntimeException NOT_CAPABLE = error(Status.Code.FAILED_PRECONDITION, "etcdserver: not capable");
  public static final StatusRuntimeException BAD_LEADER_TRANSFEREE = error(Status.Code.FAILED_PRECONDITION, "etcdserver: bad leader transferee");
  public static final StatusRuntimeException MEMBER_EXIST = error(Status.Code.FAILED_PRECONDITION, "etcdserver: member ID already exist");
  public static final StatusRuntimeException PEER_URL_EXIST = error(Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists");
  public static final StatusRuntimeException MEMBER_BAD_URLS = error(Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid");
  public static final StatusRuntimeException NOT_ENOUGH_STARTED_MEMBERS = error(Status.Code.FAILED_PRECONDITION, "etcdserver: re-configuration failed due to not enough started members");
  public static final StatusRuntimeException MEMBER_NOT_FOUND = error(Status.Code.NOT_FOUND, "etcdserver: member not found");
  public static final StatusRuntimeException MEMBER_NOT_LEARNER = error(Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member");
  public static final StatusRuntimeException LEARNER_NOT_READY = error(Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member which is in sync with leader");
  public static final StatusRuntimeException TOO_MANY_LEARNERS = error(Status.Code.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster");
  public static final StatusRuntimeException NOT_SUPPORTED_FOR_LEARNER = error(Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner");

  public static StatusRuntimeException error(Status.Code code, String message) {
    return Status.fromCode(code).withDescription(message).asRuntimeException();
  }

  /** The peer-wire form of an error, for results that cross to another member. */
  public static RpcError toRpcError(StatusRuntimeException error) {
    return RpcError.newBuilder()
        .setGrpcCode(error.getStatus().getCode().value())
        .setMessage(error.getStatus().getDescription() == null ? "" : error.getStatus().getDescription())
        .build();
  }

  /** An apply result carrying {@code error}. */
  public static ApplyResult result(StatusRuntimeException error) {
    return ApplyResult.newBuilder().setError(toRpcError(error)).build();
  }

  public static StatusRuntimeException fromRpcError(RpcError error) {
    return error(Status.fromCodeValue(error.getGrpcCode()).getCode(), error.getMessage());
  }
}
