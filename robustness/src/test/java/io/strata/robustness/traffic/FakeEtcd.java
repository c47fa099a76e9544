package io.strata.robustness.traffic;

import com.google.protobuf.ByteString;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.CompactionRequest;
import io.strata.api.etcdserverpb.CompactionResponse;
import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseGrpc;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.LeaseRevokeResponse;
import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.RequestOp;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnRequest;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.etcdserverpb.WatchCreateRequest;
import io.strata.api.etcdserverpb.WatchGrpc;
import io.strata.api.etcdserverpb.WatchRequest;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import io.strata.robustness.checker.KeyRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.function.LongPredicate;

/**
 * An in-memory etcd (KV, Lease and Watch over one multi-version store), enough for the traffic and
 * with etcd's semantics:
 *
 * <ol>
 *   <li>A request that changes something creates one revision (all of a txn's or a revoke's
 *       changes share it); one that changes nothing creates none. Headers carry the current
 *       revision, also for reads at a past revision.
 *   <li>Reads at a past revision; a compaction (logical) makes reads and watches below it fail.
 *   <li>Leases: the server picks ids; a put with a missing lease fails "requested lease not
 *       found"; a revoke deletes the lease's keys in one revision, or creates none without keys.
 *   <li>Watches: a created response, then the events from the start revision on (one response
 *       per revision), then live ones; a start below the compaction is canceled with the
 *       compaction revision; a progress request is answered with the current revision.
 * </ol>
 *
 * <p>Faults for tests are the non-final fields, set before a run.
 *
 * <p>Threading: every call takes the fake's lock and sends its responses (watch events too) under
 * it. Serve it on an executor, not {@code directExecutor()}: with the in-process transport a
 * handler could otherwise run inside another handler's send.
 */
final class FakeEtcd {

  private static final ResponseHeader NO_HEADER = ResponseHeader.newBuilder().build();
  private static final StatusRuntimeException LEASE_NOT_FOUND =
      Status.NOT_FOUND.withDescription("etcdserver: requested lease not found").asRuntimeException();

  /** Keys after each revision, from the compaction revision on. */
  private final TreeMap<Long, NavigableMap<String, KeyValue>> keysAt = new TreeMap<>();
  /** Events of each revision, from the compaction revision on. */
  private final TreeMap<Long, List<Event>> eventsAt = new TreeMap<>();
  private long revision = 1;
  private long compactRevision;
  private final Map<Long, Long> leaseTtl = new HashMap<>();
  private long nextLeaseId = 0x1000;
  private final Set<WatchSession> sessions = new HashSet<>();
  private int writes;

  /** Given the ordinal of a write that changed something, whether to answer UNAVAILABLE. */
  IntPredicate loseReplyOfWrite = n -> false;
  /** Serve latest reads from the state before the last write. */
  boolean staleReads;
  /** Serve a read at revision r from revision r - 1. */
  boolean pastReadsOneRevisionEarly;
  /** A revoke leaves the last of the lease's keys in place. */
  boolean revokeLeavesAKey;
  /** Revisions whose events no watcher gets. */
  LongPredicate dropWatchEventsOf = r -> false;
  /** Given the ordinal of a write that changed something, whether every watch stream breaks. */
  IntPredicate breakWatchesAfterWrite = n -> false;

  FakeEtcd() {
    keysAt.put(revision, new TreeMap<>());
  }

  List<BindableService> services() {
    return List.of(new Kv(), new Lease(), new Watch());
  }

  private static String s(ByteString b) {
    return b.toStringUtf8();
  }

  private ResponseHeader header() {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  private NavigableMap<String, KeyValue> current() {
    return keysAt.get(revision);
  }

  private static List<KeyValue> select(NavigableMap<String, KeyValue> keys, ByteString key,
      ByteString end) {
    KeyRange range = new KeyRange(s(key), s(end));
    return keys.values().stream().filter(kv -> range.contains(s(kv.getKey()))).toList();
  }

  private static StatusRuntimeException outOfRange(String what) {
    return Status.OUT_OF_RANGE.withDescription("etcdserver: mvcc: required revision " + what)
        .asRuntimeException();
  }

  /** One write txn: changes on a copy of the current keys, committed as one revision if any. */
  private final class Write {
    final long next = revision + 1;
    final TreeMap<String, KeyValue> keys = new TreeMap<>(current());
    final List<Event> events = new ArrayList<>();

    KeyValue put(PutRequest r) {
      KeyValue old = keys.get(s(r.getKey()));
      KeyValue kv = KeyValue.newBuilder().setKey(r.getKey()).setValue(r.getValue())
          .setCreateRevision(old == null ? next : old.getCreateRevision())
          .setModRevision(next).setVersion(old == null ? 1 : old.getVersion() + 1)
          .setLease(r.getLease()).build();
      keys.put(s(r.getKey()), kv);
      events.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
      return old;
    }

    void delete(List<KeyValue> gone) {
      for (KeyValue kv : gone) {
        keys.remove(s(kv.getKey()));
        events.add(Event.newBuilder().setType(Event.EventType.DELETE).setKv(KeyValue.newBuilder()
            .setKey(kv.getKey()).setModRevision(next)).build());
      }
    }

    boolean changed() {
      return !events.isEmpty();
    }

    void commit() {
      if (!changed()) {
        return;
      }
      revision = next;
      keysAt.put(revision, keys);
      eventsAt.put(revision, List.copyOf(events));
      if (!dropWatchEventsOf.test(revision)) {
        for (WatchSession session : List.copyOf(sessions)) {
          session.deliver(revision, events);
        }
      }
      if (breakWatchesAfterWrite.test(writes)) {
        for (WatchSession session : List.copyOf(sessions)) {
          session.fail(Status.UNAVAILABLE.withDescription("fake: member restarted"));
        }
      }
    }
  }

  private <T> void reply(StreamObserver<T> out, T response, boolean wrote) {
    if (wrote && loseReplyOfWrite.test(writes++)) {
      out.onError(Status.UNAVAILABLE.withDescription("fake: reply lost").asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  private RangeResponse range(RangeRequest r, NavigableMap<String, KeyValue> keys) {
    List<KeyValue> found = select(keys, r.getKey(), r.getRangeEnd());
    return RangeResponse.newBuilder().setHeader(header()).addAllKvs(found).setCount(found.size())
        .build();
  }

  private NavigableMap<String, KeyValue> keysToRead(long at) {
    if (at > revision) {
      throw outOfRange("is a future revision");
    }
    if (at > 0 && at < compactRevision) {
      throw outOfRange("has been compacted");
    }
    long served = at == 0 ? (staleReads ? revision - 1 : revision)
        : (pastReadsOneRevisionEarly ? at - 1 : at);
    Map.Entry<Long, NavigableMap<String, KeyValue>> e = keysAt.floorEntry(served);
    return e == null ? new TreeMap<>() : e.getValue();
  }

  private boolean holds(Compare c, Map<String, KeyValue> keys) {
    if (c.getTarget() != Compare.CompareTarget.MOD || c.getResult() != Compare.CompareResult.EQUAL) {
      throw Status.UNIMPLEMENTED.withDescription("fake: only mod == n").asRuntimeException();
    }
    KeyValue kv = keys.get(s(c.getKey()));
    return (kv == null ? 0 : kv.getModRevision()) == c.getModRevision();
  }

  private final class Kv extends KVGrpc.KVImplBase {
    @Override
    public void range(RangeRequest r, StreamObserver<RangeResponse> out) {
      synchronized (FakeEtcd.this) {
        NavigableMap<String, KeyValue> keys;
        try {
          keys = keysToRead(r.getRevision());
        } catch (StatusRuntimeException e) {
          out.onError(e);
          return;
        }
        reply(out, FakeEtcd.this.range(r, keys), false);
      }
    }

    @Override
    public void put(PutRequest r, StreamObserver<PutResponse> out) {
      synchronized (FakeEtcd.this) {
        if (r.getKey().isEmpty()) {
          out.onError(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided")
              .asRuntimeException());
          return;
        }
        if (r.getLease() != 0 && !leaseTtl.containsKey(r.getLease())) {
          out.onError(LEASE_NOT_FOUND);
          return;
        }
        Write w = new Write();
        KeyValue old = w.put(r);
        w.commit();
        PutResponse.Builder b = PutResponse.newBuilder().setHeader(header());
        if (r.getPrevKv() && old != null) {
          b.setPrevKv(old);
        }
        reply(out, b.build(), true);
      }
    }

    @Override
    public void deleteRange(DeleteRangeRequest r, StreamObserver<DeleteRangeResponse> out) {
      synchronized (FakeEtcd.this) {
        Write w = new Write();
        List<KeyValue> gone = select(w.keys, r.getKey(), r.getRangeEnd());
        w.delete(gone);
        w.commit();
        DeleteRangeResponse.Builder b =
            DeleteRangeResponse.newBuilder().setHeader(header()).setDeleted(gone.size());
        if (r.getPrevKv()) {
          b.addAllPrevKvs(gone);
        }
        reply(out, b.build(), w.changed());
      }
    }

    @Override
    public void txn(TxnRequest r, StreamObserver<TxnResponse> out) {
      synchronized (FakeEtcd.this) {
        Write w = new Write();
        boolean ok = r.getCompareList().stream().allMatch(c -> holds(c, w.keys));
        TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(ok);
        for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
          b.addResponses(switch (op.getRequestCase()) {
            case REQUEST_RANGE -> ResponseOp.newBuilder().setResponseRange(
                FakeEtcd.this.range(op.getRequestRange(), w.keys).toBuilder().clearHeader());
            case REQUEST_PUT -> {
              w.put(op.getRequestPut());
              yield ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance());
            }
            case REQUEST_DELETE_RANGE -> {
              List<KeyValue> gone = select(w.keys, op.getRequestDeleteRange().getKey(),
                  op.getRequestDeleteRange().getRangeEnd());
              w.delete(gone);
              yield ResponseOp.newBuilder().setResponseDeleteRange(
                  DeleteRangeResponse.newBuilder().setDeleted(gone.size()));
            }
            default -> throw Status.UNIMPLEMENTED.asRuntimeException();
          });
        }
        w.commit();
        reply(out, b.setHeader(header()).build(), w.changed());
      }
    }

    @Override
    public void compact(CompactionRequest r, StreamObserver<CompactionResponse> out) {
      synchronized (FakeEtcd.this) {
        if (r.getRevision() > revision) {
          out.onError(outOfRange("is a future revision"));
          return;
        }
        if (r.getRevision() <= compactRevision) {
          out.onError(outOfRange("has been compacted"));
          return;
        }
        compactRevision = r.getRevision();
        keysAt.headMap(compactRevision).clear();
        eventsAt.headMap(compactRevision).clear();
        reply(out, CompactionResponse.newBuilder().setHeader(header()).build(), false);
      }
    }
  }

  private final class Lease extends LeaseGrpc.LeaseImplBase {
    @Override
    public void leaseGrant(LeaseGrantRequest r, StreamObserver<LeaseGrantResponse> out) {
      synchronized (FakeEtcd.this) {
        long id = r.getID() != 0 ? r.getID() : nextLeaseId++;
        if (leaseTtl.containsKey(id)) {
          out.onError(Status.FAILED_PRECONDITION
              .withDescription("etcdserver: lease already exists").asRuntimeException());
          return;
        }
        leaseTtl.put(id, r.getTTL());
        reply(out, LeaseGrantResponse.newBuilder().setHeader(header()).setID(id)
            .setTTL(r.getTTL()).build(), false);
      }
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest r, StreamObserver<LeaseRevokeResponse> out) {
      synchronized (FakeEtcd.this) {
        if (leaseTtl.remove(r.getID()) == null) {
          out.onError(LEASE_NOT_FOUND);
          return;
        }
        Write w = new Write();
        List<KeyValue> attached =
            w.keys.values().stream().filter(kv -> kv.getLease() == r.getID()).toList();
        if (revokeLeavesAKey && !attached.isEmpty()) {
          attached = attached.subList(0, attached.size() - 1);
        }
        w.delete(attached);
        w.commit();
        reply(out, LeaseRevokeResponse.newBuilder().setHeader(header()).build(), w.changed());
      }
    }
  }

  private final class Watch extends WatchGrpc.WatchImplBase {
    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
      WatchSession session = new WatchSession((ServerCallStreamObserver<WatchResponse>) out);
      synchronized (FakeEtcd.this) {
        sessions.add(session);
      }
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest r) {
          synchronized (FakeEtcd.this) {
            session.handle(r);
          }
        }

        @Override
        public void onError(Throwable t) {
          synchronized (FakeEtcd.this) {
            session.close();
          }
        }

        @Override
        public void onCompleted() {
          synchronized (FakeEtcd.this) {
            if (!session.closed) {
              session.close();
              out.onCompleted();
            }
          }
        }
      };
    }
  }

  /** One watch stream and its watchers (id → range). Guarded by the fake's lock. */
  private final class WatchSession {
    final ServerCallStreamObserver<WatchResponse> out;
    final Map<Long, KeyRange> watchers = new LinkedHashMap<>();
    long nextId;
    /** Set by the cancel handler, which must not take the fake's lock. */
    volatile boolean closed;

    WatchSession(ServerCallStreamObserver<WatchResponse> out) {
      this.out = out;
      out.setOnCancelHandler(() -> closed = true);
    }

    void handle(WatchRequest r) {
      if (closed) {
        return;
      }
      switch (r.getRequestUnionCase()) {
        case CREATE_REQUEST -> create(r.getCreateRequest());
        case CANCEL_REQUEST -> {
          long id = r.getCancelRequest().getWatchId();
          if (watchers.remove(id) != null) {
            out.onNext(WatchResponse.newBuilder().setHeader(header()).setWatchId(id)
                .setCanceled(true).build());
          }
        }
        case PROGRESS_REQUEST -> out.onNext(
            WatchResponse.newBuilder().setHeader(header()).setWatchId(-1).build());
        default -> { }
      }
    }

    void create(WatchCreateRequest c) {
      long id = nextId++;
      KeyRange range = new KeyRange(s(c.getKey()), s(c.getRangeEnd()));
      long start = c.getStartRevision() == 0 ? revision + 1 : c.getStartRevision();
      out.onNext(WatchResponse.newBuilder().setHeader(header()).setWatchId(id).setCreated(true)
          .build());
      if (start < compactRevision) {
        out.onNext(WatchResponse.newBuilder().setHeader(NO_HEADER).setWatchId(id)
            .setCompactRevision(compactRevision).setCanceled(true).build());
        return;
      }
      watchers.put(id, range);
      for (Map.Entry<Long, List<Event>> e : eventsAt.tailMap(start, true).entrySet()) {
        if (!dropWatchEventsOf.test(e.getKey())) {
          send(id, range, e.getValue());
        }
      }
    }

    void deliver(long rev, List<Event> events) {
      if (closed) {
        sessions.remove(this);
        return;
      }
      watchers.forEach((id, range) -> send(id, range, events));
    }

    private void send(long id, KeyRange range, List<Event> events) {
      List<Event> matching =
          events.stream().filter(e -> range.contains(s(e.getKv().getKey()))).toList();
      if (!matching.isEmpty()) {
        out.onNext(WatchResponse.newBuilder().setHeader(header()).setWatchId(id)
            .addAllEvents(matching).build());
      }
    }

    void fail(Status status) {
      close();
      out.onError(status.asRuntimeException());
    }

    void close() {
      closed = true;
      sessions.remove(this);
    }
  }
}
