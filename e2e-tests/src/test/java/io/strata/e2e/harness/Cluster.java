package io.strata.e2e.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * A running cluster that speaks etcd's v3 API, whatever implements it (etcd, Strata processes, ...).
 * Scenarios are written against this interface only, so the same scenario runs on every wiring.
 *
 * <p>Every wait has a deadline; nothing here blocks forever. {@link #close()} kills every process
 * the cluster started.
 */
public interface Cluster extends AutoCloseable {

  /** Which implementation this is, for messages ("etcd 3.4", "strata"). */
  String implementation();

  List<? extends Member> members();

  default Member member(int index) {
    return members().get(index);
  }

  /** Client endpoints of all members, comma-separated, as etcdctl's {@code --endpoints} takes them. */
  default String endpoints() {
    return members().stream().map(Member::clientEndpoint).collect(Collectors.joining(","));
  }

  /** The members whose processes are alive. */
  default List<Member> runningMembers() {
    return members().stream().filter(Member::isRunning).map(m -> (Member) m).toList();
  }

  /** Root directory of this cluster's member directories. */
  Path directory();

  /** Starts a stopped member with its original flags and waits until it is ready. */
  void start(Member member);

  /** Stops a member gracefully (SIGTERM) and waits until its process is gone. */
  void stop(Member member);

  /** Kills a member (SIGKILL) and waits until its process is gone. */
  void kill(Member member);

  /** Stops (gracefully) and starts a member on the same data dir and ports. */
  default void restart(Member member) {
    stop(member);
    start(member);
  }

  /** gRPC access to one member's client endpoint; the cluster owns and closes it. */
  EtcdGrpc grpc(Member member);

  /** etcdctl against one member. */
  default Etcdctl etcdctl(Member member) {
    return Etcdctl.forEndpoints(member.clientEndpoint());
  }

  /** etcdctl against all members. */
  default Etcdctl etcdctl() {
    return Etcdctl.forEndpoints(endpoints());
  }

  /**
   * The member that is leader right now: a running member whose Status names itself as leader
   * and whose leader every other running member that answers agrees with. Throws if there is none.
   */
  default Member leader() {
    Long agreed = null;
    Member self = null;
    for (Member m : runningMembers()) {
      var status = grpc(m).status();
      long leader = status.getLeader();
      if (leader == 0) {
        throw new IllegalStateException(m.name() + " knows no leader");
      }
      if (agreed != null && agreed != leader) {
        throw new IllegalStateException("members disagree on the leader: "
            + Long.toUnsignedString(agreed, 16) + " vs " + Long.toUnsignedString(leader, 16));
      }
      agreed = leader;
      if (status.getHeader().getMemberId() == leader) {
        self = m;
      }
    }
    if (self == null) {
      throw new IllegalStateException("no running member is the leader "
          + (agreed == null ? "(none running)" : Long.toUnsignedString(agreed, 16)));
    }
    return self;
  }

  /** Waits until {@link #leader()} answers, and returns the leader. */
  default Member awaitLeader(Duration timeout) {
    return Waits.until("a leader agreed by all running members of " + implementation(), timeout,
        this::leader);
  }

  /** Polls {@code probe} until it returns a non-null value without throwing, or fails after {@code timeout}. */
  default <T> T waitFor(String what, Duration timeout, Callable<T> probe) {
    return Waits.until(what, timeout, probe);
  }

  /**
   * Keeps (true) or deletes (false) the cluster's directory when it is closed. Failed runs keep it.
   */
  void keepDirectoryOnClose(boolean keep);

  /** Prints the last lines of every member's log to stderr (used when a test fails). */
  void dumpLogTails(int lines);

  /** Kills every process, closes gRPC channels, deletes the directory unless it must be kept. */
  @Override
  void close();
}
