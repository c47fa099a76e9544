package io.strata.client;

/**
 * A lease kept alive by the client (see {@link LeaseClient#keepAlive}) until {@link #close} (or
 * until the lease is lost). Closing it stops the keep-alives; the lease then expires after its TTL
 * unless revoked.
 *
 * <p>Threading: thread-safe; {@link #close} does not block.
 */
public interface KeepAlive extends AutoCloseable {
  long leaseId();

  @Override
  void close();
}
