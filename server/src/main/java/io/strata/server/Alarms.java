package io.strata.server;

import io.strata.api.etcdserverpb.AlarmMember;
import io.strata.api.etcdserverpb.AlarmRequest;
import io.strata.api.etcdserverpb.AlarmResponse;
import io.strata.api.etcdserverpb.AlarmType;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.api.mvccpb.Event;
import io.strata.api.peerpb.ApplyResult;
import io.strata.api.raftpb.Entry;
import io.strata.storage.AlarmRecords;
import io.strata.storage.Backend;
import io.strata.storage.ReadView;
import io.strata.storage.StoreBatch;
import java.util.List;

/**
 * Cluster alarms (etcd's Alarm API) and what they do: while a NOSPACE alarm is raised, entries
 * that would add data (puts, txns with puts, lease grants) are refused with etcd's "database space
 * exceeded"; deletes and compactions still apply so that space can be freed.
 *
 * <p>The raised alarms live in the store; {@link #noSpace} mirrors them in memory for the apply
 * path and is rebuilt from the store at start-up and after a snapshot install.
 *
 * <p>Threading: apply thread for {@link #apply}, {@link #refusesForNoSpace} and the listener
 * callbacks; {@link #list} from any thread.
 */
final class Alarms implements CommandApplier, CommitListener {
  private final Backend backend;
  private volatile boolean noSpace;

  Alarms(Backend backend) {
    this.backend = backend;
    reload();
  }

  private void reload() {
    try (ReadView view = backend.readView()) {
      noSpace = AlarmRecords.list(view).stream().anyMatch(a -> a.type() == AlarmType.NOSPACE_VALUE);
    }
  }

  @Override
  public ApplyResult apply(Entry entry, long index, StoreBatch batch) {
    AlarmRequest request = entry.getAlarm();
    AlarmResponse.Builder response = AlarmResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance());
    int type = request.getAlarmValue();
    switch (request.getAction()) {
      case GET -> {
        for (AlarmRecords.Alarm alarm : AlarmRecords.list(batch)) {
          if (type == AlarmType.NONE_VALUE || alarm.type() == type) {
            response.addAlarms(member(alarm));
          }
        }
      }
      case ACTIVATE -> {
        if (type != AlarmType.NONE_VALUE) {
          AlarmRecords.raise(batch, request.getMemberID(), type);
          response.addAlarms(AlarmMember.newBuilder().setMemberID(request.getMemberID()).setAlarmValue(type));
        }
      }
      case DEACTIVATE -> {
        for (AlarmRecords.Alarm alarm : AlarmRecords.list(batch)) {
          if (alarm.memberId() == request.getMemberID() && alarm.type() == type) {
            AlarmRecords.clear(batch, alarm.memberId(), alarm.type());
            response.addAlarms(member(alarm));
          }
        }
      }
      case UNRECOGNIZED -> {
        return EtcdErrors.result(EtcdErrors.error(io.grpc.Status.Code.INVALID_ARGUMENT,
            "etcdserver: unknown alarm action"));
      }
    }
    noSpace = AlarmRecords.list(batch).stream().anyMatch(a -> a.type() == AlarmType.NOSPACE_VALUE);
    return ApplyResult.newBuilder().setAlarm(response).build();
  }

  /** True when {@code entry} would add data while a NOSPACE alarm is raised. */
  boolean refusesForNoSpace(Entry entry) {
    if (!noSpace) {
      return false;
    }
    return switch (entry.getCommandCase()) {
      case PUT, LEASE_GRANT -> true;
      case TXN -> RequestChecks.writesData(entry.getTxn());
      default -> false;
    };
  }

  /** The raised alarms, as the committed store has them. */
  List<AlarmMember> list() {
    try (ReadView view = backend.readView()) {
      return AlarmRecords.list(view).stream().map(Alarms::member).toList();
    }
  }

  private static AlarmMember member(AlarmRecords.Alarm alarm) {
    return AlarmMember.newBuilder().setMemberID(alarm.memberId()).setAlarmValue(alarm.type()).build();
  }

  @Override
  public void committed(List<Event> events, long revision, long appliedIndex) { }

  @Override
  public void snapshotInstalled(long appliedIndex) {
    reload();
  }
}
