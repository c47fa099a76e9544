package io.strata.e2e.badinput;

import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A member process's resident set size, from {@code /proc/<pid>/status} (Linux). */
final class ResidentMemory {
  private ResidentMemory() {}

  static long bytes(Member member) {
    long pid = ((ProcessCluster.ProcessMember) member).pid();
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          // "VmRSS:    123456 kB"
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the status of " + member.name() + " (pid " + pid + ")", e);
    }
    throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
  }
}
