package io.strata.client.cli;

import io.grpc.Status;
import io.strata.api.etcdserverpb.AlarmMember;
import io.strata.api.etcdserverpb.AlarmRequest;
import io.strata.api.etcdserverpb.AlarmResponse;
import io.strata.api.etcdserverpb.HashKVRequest;
import io.strata.api.etcdserverpb.HashKVResponse;
import io.strata.api.etcdserverpb.Member;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.client.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code stratactl endpoint status|health|hashkv}: etcdctl's endpoint commands. They ask each of
 * {@code --endpoints} (with {@code --cluster}: each client URL in the member list) on a connection
 * of its own, and print one row per endpoint, shown as the user or the member list wrote it.
 *
 * <p>status and hashkv report an endpoint that does not answer on stderr ({@code Failed to get the
 * status of endpoint E (why)}) and exit 1 after printing the others; health checks the endpoints in
 * parallel (a linearizable read of key {@code health}, then the alarm list), prints on stderr in
 * simple format, and fails with {@code unhealthy cluster} if one is not healthy.
 *
 * <p>Threading: status and hashkv run on the calling thread; health runs one thread per endpoint
 * and prints from the calling thread once all are done.
 */
@Command(
    name = "endpoint",
    description = "Endpoint related commands",
    subcommands = {
      EndpointCommand.StatusCommand.class,
      EndpointCommand.HealthCheck.class,
      EndpointCommand.HashKv.class
    })
final class EndpointCommand extends GroupCommand {

  @Option(
      names = "--cluster",
      arity = "0..1",
      fallbackValue = "true",
      scope = ScopeType.INHERIT,
      description = "use all endpoints from the cluster member list")
  boolean cluster;

  /** An endpoint to ask, as written (its scheme chooses TLS), and how to show it. */
  record Target(String shownAs, Endpoint.Url url) {}

  /** The endpoints an endpoint command asks: --endpoints, or the members' client URLs. */
  static List<Target> targets(CtlCommand command) throws Exception {
    EndpointCommand group = (EndpointCommand) command.spec.parent().userObject();
    return group.cluster ? clusterTargets(command) : givenTargets(command);
  }

  static List<Target> givenTargets(CtlCommand command) throws CtlException {
    List<String> texts = command.root().endpointTexts();
    List<Endpoint.Url> endpoints = command.settings().endpoints();
    List<Target> targets = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      targets.add(new Target(texts.get(i), endpoints.get(i)));
    }
    return targets;
  }

  static List<Target> clusterTargets(CtlCommand command) throws Exception {
    List<Member> members;
    try {
      members = command.withConnection(connection -> connection.memberList().getMembersList());
    } catch (CtlException e) {
      throw new CtlException(
          "failed to fetch endpoints from etcd cluster member list: " + e.getMessage());
    }
    List<Target> targets = new ArrayList<>();
    for (Member member : members) {
      for (String url : member.getClientURLsList()) {
        try {
          targets.add(new Target(url, Endpoint.parseUrl(url)));
        } catch (IllegalArgumentException e) {
          throw new CtlException("unusable client URL " + url + " of member "
              + GoFormat.hex(member.getID()) + ": " + e.getMessage());
        }
      }
    }
    return targets;
  }

  @Command(name = "status", description = "Prints out the status of endpoints specified in `--endpoints` flag")
  static final class StatusCommand extends CtlCommand {
    @Override
    int run() throws Exception {
      List<Target> targets = targets(this);
      List<Target> answered = new ArrayList<>();
      List<StatusResponse> statuses = new ArrayList<>();
      boolean failed = false;
      try (Connections connections = new Connections(settings())) {
        for (Target target : targets) {
          try {
            statuses.add(connections.connect(target.url()).status());
            answered.add(target);
          } catch (CtlException e) {
            failed = true;
            err().println("Failed to get the status of endpoint " + target.shownAs() + " (" + e.getMessage() + ")");
            err().flush();
          }
        }
      }
      switch (format()) {
        case SIMPLE -> out().print(table(answered, statuses).commaSeparated());
        case TABLE -> out().print(table(answered, statuses).bordered());
        case JSON -> {
          List<Object> json = new ArrayList<>();
          for (int i = 0; i < answered.size(); i++) {
            Map<String, Object> item = Json.object();
            item.put("Endpoint", answered.get(i).shownAs());
            item.put("Status", GoJson.of(statuses.get(i)));
            json.add(item);
          }
          out().line(Json.writeGo(json));
        }
      }
      if (failed) {
        throw CtlException.silent(ExitCodes.ERROR);
      }
      return ExitCodes.SUCCESS;
    }

    static Table table(List<Target> targets, List<StatusResponse> statuses) {
      Table table =
          new Table(
              List.of("ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER",
                  "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"));
      for (int i = 0; i < targets.size(); i++) {
        StatusResponse status = statuses.get(i);
        long memberId = status.getHeader().getMemberId();
        table.addRow(
            List.of(
                targets.get(i).shownAs(),
                GoFormat.hex(memberId),
                status.getVersion(),
                GoFormat.bytes(status.getDbSize()),
                Boolean.toString(status.getLeader() == memberId),
                Boolean.toString(status.getIsLearner()),
                Long.toUnsignedString(status.getRaftTerm()),
                Long.toUnsignedString(status.getRaftIndex()),
                Long.toUnsignedString(status.getRaftAppliedIndex()),
                String.join(", ", status.getErrorsList())));
      }
      return table;
    }
  }

  /** One endpoint's health: etcdctl's epHealth. */
  record Health(String endpoint, boolean healthy, Duration took, String error) {}

  @Command(name = "health", description = "Checks the healthiness of endpoints specified in `--endpoints` flag")
  static final class HealthCheck extends CtlCommand {
    @Override
    int run() throws Exception {
      List<Target> targets = targets(this);
      ClientSettings settings = settings();
      ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, targets.size()));
      List<Health> results = new ArrayList<>();
      try {
        List<CompletableFuture<Health>> checks = new ArrayList<>();
        for (Target target : targets) {
          checks.add(CompletableFuture.supplyAsync(() -> check(settings, target), pool));
        }
        for (CompletableFuture<Health> check : checks) {
          results.add(check.get());
        }
      } catch (ExecutionException e) {
        throw new CtlException(e.getCause().toString());
      } finally {
        pool.shutdownNow();
      }
      switch (format()) {
        case SIMPLE -> {
          for (Health health : results) {
            err().println(
                health.healthy()
                    ? health.endpoint() + " is healthy: successfully committed proposal: took = "
                        + GoFormat.duration(health.took())
                    : health.endpoint() + " is unhealthy: failed to commit proposal: " + health.error());
          }
          err().flush();
        }
        case JSON -> {
          List<Object> json = new ArrayList<>();
          for (Health health : results) {
            Map<String, Object> item = Json.object();
            item.put("endpoint", health.endpoint());
            item.put("health", health.healthy());
            item.put("took", GoFormat.duration(health.took()));
            if (!health.error().isEmpty()) {
              item.put("error", health.error());
            }
            json.add(item);
          }
          out().line(Json.writeGo(json));
        }
        case TABLE -> {
          Table table = new Table(List.of("ENDPOINT", "HEALTH", "TOOK", "ERROR"));
          for (Health health : results) {
            table.addRow(
                List.of(
                    health.endpoint(),
                    Boolean.toString(health.healthy()),
                    GoFormat.duration(health.took()),
                    health.error()));
          }
          out().print(table.bordered());
        }
      }
      if (results.stream().anyMatch(health -> !health.healthy())) {
        throw new CtlException("unhealthy cluster");
      }
      return ExitCodes.SUCCESS;
    }

    private static Health check(ClientSettings settings, Target target) {
      long start = System.nanoTime();
      try (Connections connections = new Connections(settings)) {
        Connection connection;
        try {
          connection = connections.connect(target.url());
        } catch (CtlException e) {
          return new Health(target.shownAs(), false, since(start), e.getMessage());
        }
        // etcdctl times the read alone (its client connects lazily, within the read).
        start = System.nanoTime();
        try {
          connection.range(RangeRequest.newBuilder().setKey(KeyRanges.utf8("health")).build());
        } catch (RpcException e) {
          // A refusal for lack of permission still went through consensus: healthy.
          if (e.code() != Status.Code.PERMISSION_DENIED) {
            return new Health(target.shownAs(), false, since(start), e.getMessage());
          }
        }
        Duration took = since(start);
        AlarmResponse alarms;
        try {
          alarms = connection.alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build());
        } catch (RpcException e) {
          return new Health(target.shownAs(), false, took, "Unable to fetch the alarm list");
        }
        if (alarms.getAlarmsCount() > 0) {
          StringBuilder error = new StringBuilder("Active Alarm(s): ");
          for (AlarmMember alarm : alarms.getAlarmsList()) {
            switch (alarm.getAlarm()) {
              case NOSPACE -> error.append("NOSPACE ");
              case CORRUPT -> error.append("CORRUPT ");
              default -> error.append("UNKNOWN ");
            }
          }
          return new Health(target.shownAs(), false, took, error.toString());
        }
        return new Health(target.shownAs(), true, took, "");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Health(target.shownAs(), false, since(start), "interrupted");
      }
    }

    private static Duration since(long startNanos) {
      return Duration.ofNanos(System.nanoTime() - startNanos);
    }
  }

  @Command(name = "hashkv", description = "Prints the KV history hash for each endpoint in --endpoints")
  static final class HashKv extends CtlCommand {
    @Option(names = "--rev", defaultValue = "0", description = "maximum revision to hash (default: all revisions)")
    long rev;

    @Override
    int run() throws Exception {
      List<Target> targets = targets(this);
      List<Target> answered = new ArrayList<>();
      List<HashKVResponse> hashes = new ArrayList<>();
      CtlException last = null;
      try (Connections connections = new Connections(settings())) {
        for (Target target : targets) {
          try {
            hashes.add(connections.connect(target.url()).hashKv(HashKVRequest.newBuilder().setRevision(rev).build()));
            answered.add(target);
          } catch (CtlException e) {
            last = e;
            err().println("Failed to get the hash of endpoint " + target.shownAs() + " (" + e.getMessage() + ")");
            err().flush();
          }
        }
      }
      Table table = new Table(List.of("ENDPOINT", "HASH"));
      for (int i = 0; i < answered.size(); i++) {
        table.addRow(List.of(answered.get(i).shownAs(), Integer.toUnsignedString(hashes.get(i).getHash())));
      }
      switch (format()) {
        case SIMPLE -> out().print(table.commaSeparated());
        case TABLE -> out().print(table.bordered());
        case JSON -> {
          List<Object> json = new ArrayList<>();
          for (int i = 0; i < answered.size(); i++) {
            Map<String, Object> item = Json.object();
            item.put("Endpoint", answered.get(i).shownAs());
            item.put("HashKV", GoJson.of(hashes.get(i)));
            json.add(item);
          }
          out().line(Json.writeGo(json));
        }
      }
      if (last != null) {
        throw new CtlException(last.getMessage());
      }
      return ExitCodes.SUCCESS;
    }
  }
}
