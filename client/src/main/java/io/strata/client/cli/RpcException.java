package io.strata.client.cli;

import io.grpc.Status;

/**
 * A call the server (or the transport) refused; the message is what etcdctl prints for it (see
 * {@link RpcErrors}). Immutable.
 */
final class RpcException extends CtlException {

  private static final long serialVersionUID = 1L;

  private final Status.Code code;

  RpcException(String message, Status.Code code) {
    super(message);
    this.code = code;
  }

  /** The gRPC status code of the refusal. */
  Status.Code code() {
    return code;
  }
}
