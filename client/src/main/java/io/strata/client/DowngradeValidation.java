package io.strata.client;

import io.grpc.Metadata;
import io.strata.api.etcdserverpb.DowngradeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A member's answer to a downgrade VALIDATE: etcd's response, and the storage changes the
 * downgrade would make as a Strata member lists them (one line per change, e.g. {@code step 1.2 ->
 * 1.1: removed column family lease_keys (3 records)}; empty from etcd or when nothing changes).
 * Strata sends them as values of the response metadata key {@value #PLAN_HEADER}. Immutable.
 */
public record DowngradeValidation(DowngradeResponse response, List<String> storagePlan) {

  /** The response metadata key of the plan's lines (headers, else trailers; possibly several values). */
  public static final String PLAN_HEADER = "strata-downgrade-plan";

  private static final Metadata.Key<String> PLAN_KEY = Metadata.Key.of(PLAN_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  public DowngradeValidation {
    Objects.requireNonNull(response, "response");
    storagePlan = List.copyOf(storagePlan);
  }

  /** The plan lines the answer's headers carry, else its trailers'. */
  static List<String> plan(Metadata headers, Metadata trailers) {
    List<String> lines = lines(headers);
    return lines.isEmpty() ? lines(trailers) : lines;
  }

  private static List<String> lines(Metadata metadata) {
    List<String> lines = new ArrayList<>();
    Iterable<String> values = metadata == null ? null : metadata.getAll(PLAN_KEY);
    if (values == null) {
      return lines;
    }
    for (String value : values) {
      for (String line : value.split("\n")) {
        if (!line.isBlank()) {
          lines.add(line.strip());
        }
      }
    }
    return lines;
  }
}
