package io.strata.robustness.checker;

/**
 * One call of one client: the client's clock reading (nanos, one monotonic clock for the whole
 * recording) when it was called and when it returned. An unknown outcome has {@code ret} = {@link
 * #INFINITY} and a null response: it may have been applied at any time after {@code call}, or never.
 */
public record Operation(
    int id, int client, long call, long ret, Request request, Response response) {

  public static final long INFINITY = Long.MAX_VALUE;

  public Operation {
    java.util.Objects.requireNonNull(request, "request");
    if ((ret == INFINITY) != (response == null)) {
      throw new IllegalArgumentException(
          "op " + id + ": an unknown outcome has return=∞ and no response, and only it");
    }
    if (ret < call) {
      throw new IllegalArgumentException("op " + id + ": returns before it is called");
    }
  }

  public boolean unknown() {
    return response == null;
  }

  public boolean failed() {
    return response instanceof Response.Error;
  }

  @Override
  public String toString() {
    return "op " + id + " (client " + client + ")";
  }
}
