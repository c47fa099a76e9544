package io.strata.server.auth;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.strata.server.EtcdErrors;

/** etcd's auth errors: the same gRPC codes and messages as etcd's rpctypes. */
public final class AuthErrors {
  private AuthErrors() {}

  public static final StatusRuntimeException ROOT_USER_NOT_EXIST = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not exist");
  public static final StatusRuntimeException ROOT_ROLE_NOT_EXIST = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not have root role");
  public static final StatusRuntimeException USER_ALREADY_EXIST = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: user name already exists");
  public static final StatusRuntimeException USER_EMPTY = EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
  public static final StatusRuntimeException USER_NOT_FOUND = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: user name not found");
  public static final StatusRuntimeException ROLE_ALREADY_EXIST = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: role name already exists");
  public static final StatusRuntimeException ROLE_NOT_FOUND = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: role name not found");
  public static final StatusRuntimeException ROLE_EMPTY = EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty");
  public static final StatusRuntimeException AUTH_FAILED = EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password");
  public static final StatusRuntimeException PERMISSION_DENIED = EtcdErrors.error(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
  public static final StatusRuntimeException ROLE_NOT_GRANTED = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: role is not granted to the user");
  public static final StatusRuntimeException PERMISSION_NOT_GRANTED = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role");
  public static final StatusRuntimeException AUTH_NOT_ENABLED = EtcdErrors.error(Status.Code.FAILED_PRECONDITION, "etcdserver: authentication is not enabled");
  public static final StatusRuntimeException INVALID_AUTH_TOKEN = EtcdErrors.error(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token");
  public static final StatusRuntimeException INVALID_AUTH_MGMT = EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management");
  public static final StatusRuntimeException AUTH_OLD_REVISION = EtcdErrors.error(Status.Code.INVALID_ARGUMENT, "etcdserver: revision of auth store is old");
}
