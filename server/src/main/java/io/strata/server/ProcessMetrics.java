package io.strata.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The process metrics etcd dashboards read, under the names and meanings of the Prometheus Go
 * client's process collector: {@code process_cpu_seconds_total}, {@code process_open_fds},
 * {@code process_max_fds}, {@code process_resident_memory_bytes},
 * {@code process_virtual_memory_bytes} and {@code process_start_time_seconds}. Memory comes from
 * {@code /proc/self/status} (Linux); where that cannot be read, the memory gauges are left out
 * rather than reported wrong.
 *
 * <p>Threading: values are read when the registry is scraped, from any thread.
 */
final class ProcessMetrics {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessMetrics() {}

  static void bindTo(MeterRegistry registry) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean cpu) {
      FunctionCounter.builder("process_cpu_seconds", cpu, b -> b.getProcessCpuTime() / 1e9)
          .description("Total user and system CPU time spent in seconds.").register(registry);
    }
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      Gauge.builder("process_open_fds", unix, com.sun.management.UnixOperatingSystemMXBean::getOpenFileDescriptorCount)
          .description("Number of open file descriptors.").register(registry);
      Gauge.builder("process_max_fds", unix, com.sun.management.UnixOperatingSystemMXBean::getMaxFileDescriptorCount)
          .description("Maximum number of open file descriptors.").register(registry);
    }
    if (statusBytes("VmRSS:") >= 0) {
      Gauge.builder("process_resident_memory_bytes", () -> statusBytes("VmRSS:"))
          .description("Resident memory size in bytes.").register(registry);
      Gauge.builder("process_virtual_memory_bytes", () -> statusBytes("VmSize:"))
          .description("Virtual memory size in bytes.").register(registry);
    }
    double started = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;
    Gauge.builder("process_start_time_seconds", () -> started)
        .description("Start time of the process since unix epoch in seconds.").register(registry);
  }

  /** A "{@code field}  N kB" line of /proc/self/status in bytes, or -1 when it cannot be read. */
  static long statusBytes(String field) {
    try {
      return parseStatusBytes(Files.readAllLines(STATUS), field);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static long parseStatusBytes(List<String> lines, String field) {
    for (String line : lines) {
      if (line.startsWith(field)) {
        String[] parts = line.substring(field.length()).trim().split("\\s+");
        long value = Long.parseLong(parts[0]);
        return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
      }
    }
    return -1;
  }
}
