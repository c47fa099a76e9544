package io.strata.e2e.harness;

import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * libfiu's POSIX failure points in one member (shared/RELIABILITY.md, B4): {@link #runUnderFiu}
 * makes the member's next start run under {@code fiu-run}, after which {@link #failSyncs} makes
 * every fsync and fdatasync of that process fail with EIO, as a dying disk would.
 *
 * <p>Needs Debian's fiu-utils (scripts/install-test-deps.sh installs it); no root.
 */
public final class Libfiu {
  /** errno EIO. */
  private static final int EIO = 5;
  private static final long COMMAND_LIMIT_MS = 30_000;

  private final ProcessMember member;
  /** fiu-run's control prefix: it creates {@code <prefix>-<pid>.in/.out}. */
  private final Path control;

  private Libfiu(ProcessMember member, Path control) {
    this.member = member;
    this.control = control;
  }

  /** libfiu's control of {@code member}; its FIFOs live in the member's directory. */
  public static Libfiu of(ProcessMember member) {
    return new Libfiu(member, member.directory().resolve("fiu-control"));
  }

  /** From its next start on, the member runs under {@code fiu-run -x}, no failure point enabled. */
  public void runUnderFiu() {
    member.runUnder(List.of("fiu-run", "-x", "-f", control.toString()), Map.of());
  }

  /** From its next start on, the member runs without fiu-run. */
  public void runWithoutFiu() {
    member.runUnder(List.of(), Map.of());
  }

  /** Every fsync and fdatasync of the running member fails with EIO from now on. */
  public void failSyncs() {
    control("enable name=posix/io/sync/fdatasync,failinfo=" + EIO,
        "enable name=posix/io/sync/fsync,failinfo=" + EIO);
  }

  private void control(String... commands) {
    long pid = member.pid();
    if (!member.isRunning()) {
      throw new IllegalStateException(member.name() + " is not running");
    }
    List<String> command = new ArrayList<>(List.of("fiu-ctrl", "-f", control.toString()));
    for (String c : commands) {
      command.addAll(List.of("-c", c));
    }
    command.add(Long.toString(pid));
    Etcdctl.Result result = Etcdctl.execute(command, null, COMMAND_LIMIT_MS);
    if (!result.succeeded()) {
      throw new IllegalStateException("fiu-ctrl failed (is fiu-utils installed, and did "
          + member.name() + " start under fiu-run?): " + result.describe());
    }
  }
}
