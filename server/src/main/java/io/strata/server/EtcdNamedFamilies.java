package io.strata.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * Metric families that etcd exposes under names the Prometheus Java client (under Micrometer)
 * cannot produce: its model refuses a name ending in {@code _total} unless the family is a
 * counter, and it always appends {@code _total} to a counter. etcd has gauges such as
 * {@code etcd_server_proposals_committed_total} and counters such as
 * {@code etcd_server_health_success}; dashboards and alerts look for those exact names, so these
 * families are written after the registry's exposition, in the same text format (0.0.4), with
 * etcd's name and type. Every other metric goes through the Micrometer registry.
 *
 * <p>Threading: families may be added and written from any thread.
 */
final class EtcdNamedFamilies {
  enum Type {
    GAUGE("gauge"), COUNTER("counter");

    private final String text;

    Type(String text) {
      this.text = text;
    }
  }

  private record Family(String name, String help, Type type, DoubleSupplier value) {}

  private final List<Family> families = new CopyOnWriteArrayList<>();

  /** A gauge under exactly {@code name} (etcd's gauges whose names end in {@code _total}). */
  void gauge(String name, String help, DoubleSupplier value) {
    families.add(new Family(name, help, Type.GAUGE, value));
  }

  /** A counter under exactly {@code name} (etcd's counters whose names do not end in {@code _total}). */
  void counter(String name, String help, DoubleSupplier value) {
    families.add(new Family(name, help, Type.COUNTER, value));
  }

  void writeTo(StringBuilder text) {
    for (Family family : families) {
      text.append("# HELP ").append(family.name()).append(' ').append(family.help()).append('\n')
          .append("# TYPE ").append(family.name()).append(' ').append(family.type().text).append('\n')
          .append(family.name()).append(' ').append(family.value().getAsDouble()).append('\n');
    }
  }
}
