package io.strata.server.watch;

import io.strata.api.etcdserverpb.ResponseHeader;

/**
 * Fills etcd's response header (cluster id, member id, Raft term) around a revision. The server
 * passes {@code MemberContext::header}. Thread-safe, non-blocking.
 */
@FunctionalInterface
public interface HeaderSource {
  ResponseHeader header(long revision);
}
