package io.strata.server;

import com.google.protobuf.ByteString;

/**
 * What the KV apply path needs from leases: whether a lease exists, and which keys are attached
 * to which lease. Apply thread only.
 */
public interface LeaseKeys {
  /** No leases: every lease id is unknown. */
  LeaseKeys NONE = new LeaseKeys() {
    @Override
    public boolean exists(long leaseId) {
      return false;
    }

    @Override
    public void attach(long leaseId, ByteString key) { }

    @Override
    public void detach(long leaseId, ByteString key) { }
  };

  boolean exists(long leaseId);

  void attach(long leaseId, ByteString key);

  void detach(long leaseId, ByteString key);
}
