package io.strata.e2e.version;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.strata.api.etcdserverpb.DowngradeRequest;
import io.strata.api.etcdserverpb.DowngradeRequest.DowngradeAction;
import io.strata.api.etcdserverpb.DowngradeResponse;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.EtcdGrpc;
import io.strata.e2e.harness.Member;
import io.strata.e2e.harness.ProcessCluster.ProcessMember;
import io.strata.e2e.harness.StrataProcessCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Downgrade calls and waits shared by the downgrade scenarios. */
public final class DowngradeSupport {
  private static final Metadata.Key<String> PLAN = Metadata.Key.of("strata-downgrade-plan", Metadata.ASCII_STRING_MARSHALLER);

  private DowngradeSupport() {}

  /** The reply of one Downgrade call, with the plan lines the member sent in its headers. */
  public record Reply(DowngradeResponse response, List<String> plan) {}

  public static Reply downgrade(Cluster cluster, Member member, DowngradeAction action, String version) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    DowngradeResponse response = cluster.grpc(member).maintenance(Duration.ofSeconds(10))
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
        .downgrade(DowngradeRequest.newBuilder().setAction(action).setVersion(version).build());
    List<String> plan = new ArrayList<>();
    if (headers.get() != null && headers.get().getAll(PLAN) != null) {
      headers.get().getAll(PLAN).forEach(plan::add);
    }
    return new Reply(response, plan);
  }

  /** The etcd error message a Downgrade call fails with. */
  static String downgradeError(Cluster cluster, Member member, DowngradeAction action, String version) {
    try {
      downgrade(cluster, member, action, version);
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
    throw new AssertionError("Downgrade " + action + " " + version + " succeeded");
  }

  /** Stops {@code member}, starts it as {@code version}, and checks it serves as that version. */
  public static void swap(Cluster cluster, Member member, String version) {
    cluster.stop(member);
    ((ProcessMember) member).emulateVersion(version);
    cluster.start(member);
    StatusResponse status = cluster.grpc(member).status();
    assertThat(status.getVersion()).as(member.name()).isEqualTo(version + ".0");
  }

  /** Starts a stopped member by hand as {@code version}: it must refuse with exit code 3; returns its output. */
  static String refusedStart(ProcessMember member, String version) throws Exception {
    Process older = new ProcessBuilder(StrataProcessCluster.strataCommand(
        "--name", member.name(), "--data-dir", member.dataDir().toString(), "--emulate-version", version,
        "--listen-client-urls", member.clientUrl(), "--listen-peer-urls", member.peerUrl(),
        "--listen-metrics-urls", member.metricsUrl(), "--initial-cluster", member.name() + "=" + member.peerUrl()))
        .redirectErrorStream(true).start();
    if (!older.waitFor(60, TimeUnit.SECONDS)) {
      older.destroyForcibly();
      throw new AssertionError(member.name() + " started as " + version + " and kept running");
    }
    String output = new String(older.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(older.exitValue()).as(output).isEqualTo(3);
    return output;
  }

  /** A put carrying an idempotent-write request id; returns the revision it was answered with. */
  static long putWithRequestId(Cluster cluster, Member member, String key, String requestId) {
    return cluster.grpc(member).kvWithRequestId(EtcdGrpc.DEFAULT_DEADLINE, requestId)
        .put(EtcdGrpc.putRequest(key, "v")).getHeader().getRevision();
  }
}
