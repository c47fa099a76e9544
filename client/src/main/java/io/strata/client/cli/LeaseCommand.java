package io.strata.client.cli;

import io.strata.api.etcdserverpb.LeaseGrantRequest;
import io.strata.api.etcdserverpb.LeaseGrantResponse;
import io.strata.api.etcdserverpb.LeaseKeepAliveResponse;
import io.strata.api.etcdserverpb.LeaseLeasesResponse;
import io.strata.api.etcdserverpb.LeaseRevokeRequest;
import io.strata.api.etcdserverpb.LeaseRevokeResponse;
import io.strata.api.etcdserverpb.LeaseStatus;
import io.strata.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.strata.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.strata.api.etcdserverpb.ResponseHeader;
import io.strata.client.KeepAliveListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl lease grant|revoke|timetolive|list|keep-alive}: etcdctl's lease commands.
 * Lease ids are hex, printed as 16 hex digits. Their json is clientv3's response structs, whose
 * header fields sit at the top level next to the lease's ({@code
 * {"cluster_id":..,"revision":..,"ID":..,"TTL":..,"Error":""}}); table is not supported. Each runs
 * on the calling thread.
 */
@Command(
    name = "lease",
    description = "Lease related commands",
    subcommands = {
      LeaseCommand.Grant.class,
      LeaseCommand.Revoke.class,
      LeaseCommand.TimeToLive.class,
      LeaseCommand.ListLeases.class,
      LeaseCommand.KeepAlive.class
    })
final class LeaseCommand extends GroupCommand {

  @Command(name = "grant", description = "Creates leases")
  static final class Grant extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<ttl>", description = "seconds")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("lease grant command needs TTL argument");
      }
      long ttl;
      try {
        ttl = GoFormat.parseInt(args.get(0), 10);
      } catch (NumberFormatException e) {
        throw CtlException.badArgs("bad TTL (" + e.getMessage() + ")");
      }
      LeaseGrantResponse response;
      try {
        response =
            withConnection(
                c -> c.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()));
      } catch (RpcException e) {
        throw new CtlException("failed to grant lease (" + e.getMessage() + ")");
      }
      switch (format()) {
        case SIMPLE ->
            out().line(
                "lease " + GoFormat.hex16(response.getID()) + " granted with TTL("
                    + response.getTTL() + "s)");
        case JSON -> {
          Map<String, Object> json = flatHeader(response.hasHeader() ? response.getHeader() : null);
          json.put("ID", response.getID());
          json.put("TTL", response.getTTL());
          json.put("Error", response.getError());
          out().line(Json.writeGo(json));
        }
        case TABLE -> throw unsupportedFormat();
      }
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "revoke", description = "Revokes leases")
  static final class Revoke extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<leaseID>", description = "hex id")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("lease revoke command needs 1 argument");
      }
      long id = leaseId(args.get(0));
      LeaseRevokeResponse response;
      try {
        response = withConnection(c -> c.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
      } catch (RpcException e) {
        throw new CtlException("failed to revoke lease (" + e.getMessage() + ")");
      }
      switch (format()) {
        case SIMPLE -> out().line("lease " + GoFormat.hex16(id) + " revoked");
        case JSON -> out().line(Json.writeGo(GoJson.of(response)));
        case TABLE -> throw unsupportedFormat();
      }
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "timetolive", description = "Get lease information")
  static final class TimeToLive extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<leaseID> [options]", description = "hex id")
    List<String> args = new ArrayList<>();

    @Option(names = "--keys", arity = "0..1", fallbackValue = "true", description = "Get keys attached to this lease")
    boolean keys;

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("lease timetolive command needs lease ID as argument");
      }
      long id = leaseId(args.get(0));
      LeaseTimeToLiveResponse response;
      try {
        response =
            withConnection(
                c ->
                    c.leaseTimeToLive(
                        LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build()));
      } catch (RpcException e) {
        throw e.withExitCode(ExitCodes.BAD_CONNECTION);
      }
      switch (format()) {
        case SIMPLE -> out().line(timeToLiveText(response, keys));
        case JSON -> {
          Map<String, Object> json = flatHeader(response.hasHeader() ? response.getHeader() : null);
          json.put("id", response.getID());
          json.put("ttl", response.getTTL());
          json.put("granted-ttl", response.getGrantedTTL());
          List<Object> attached = new ArrayList<>();
          response.getKeysList().forEach(key -> attached.add(GoJson.base64(key)));
          json.put("keys", attached.isEmpty() ? null : attached);
          out().line(Json.writeGo(json));
        }
        case TABLE -> throw unsupportedFormat();
      }
      return ExitCodes.SUCCESS;
    }
  }

  /** {@code lease timetolive}'s simple line. */
  static String timeToLiveText(LeaseTimeToLiveResponse response, boolean keys) {
    if (response.getGrantedTTL() == 0 && response.getTTL() == -1) {
      return "lease " + GoFormat.hex16(response.getID()) + " already expired";
    }
    String text =
        "lease " + GoFormat.hex16(response.getID()) + " granted with TTL("
            + response.getGrantedTTL() + "s), remaining(" + response.getTTL() + "s)";
    if (keys) {
      text +=
          ", attached keys("
              + GoFormat.list(response.getKeysList().stream().map(k -> k.toStringUtf8()).toList())
              + ")";
    }
    return text;
  }

  @Command(name = "list", description = "List all active leases")
  static final class ListLeases extends CtlCommand {
    @Override
    int run() throws Exception {
      LeaseLeasesResponse response;
      try {
        response = withConnection(Connection::leaseLeases);
      } catch (RpcException e) {
        throw new CtlException("failed to list leases (" + e.getMessage() + ")");
      }
      switch (format()) {
        case SIMPLE -> {
          out().line("found " + response.getLeasesCount() + " leases");
          for (LeaseStatus lease : response.getLeasesList()) {
            out().line(GoFormat.hex16(lease.getID()));
          }
        }
        case JSON -> {
          Map<String, Object> json = flatHeader(response.hasHeader() ? response.getHeader() : null);
          List<Object> leases = new ArrayList<>();
          for (LeaseStatus lease : response.getLeasesList()) {
            Map<String, Object> item = Json.object();
            item.put("id", lease.getID());
            leases.add(item);
          }
          json.put("leases", leases);
          out().line(Json.writeGo(json));
        }
        case TABLE -> throw unsupportedFormat();
      }
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "keep-alive", description = "Keeps leases alive (renew)")
  static final class KeepAlive extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "[options] <leaseID>", description = "hex id")
    List<String> args = new ArrayList<>();

    @Option(
        names = "--once",
        arity = "0..1",
        fallbackValue = "true",
        description = "Resets the keep-alive time to its original value and exits immediately")
    boolean once;

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("lease keep-alive command needs lease ID as argument");
      }
      long id = leaseId(args.get(0));
      return withConnection(connection -> keepAlive(connection, id));
    }

    /**
     * Keeps the lease alive with the client library's helper (a renewal at once, then a third of
     * the TTL after each answer, moving to another endpoint if its stream fails) and prints each
     * answer; with --once stops after the first. Ends when the cluster says the lease is gone, or
     * fails when no answer comes within --command-timeout of when it was due.
     */
    private int keepAlive(Connection connection, long id) throws CtlException, InterruptedException {
      BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
      LeaseKeepAliveResponse lost = LeaseKeepAliveResponse.newBuilder().setID(id).setTTL(0).build();
      io.strata.client.KeepAlive keepAlive =
          connection.leaseKeepAlive(
              id,
              new KeepAliveListener() {
                @Override
                public void onKeepAlive(LeaseKeepAliveResponse response) {
                  answers.add(response);
                }

                @Override
                public void onLost(long leaseId) {
                  answers.add(lost);
                }
              });
      try {
        long dueInMillis = 0;
        while (true) {
          LeaseKeepAliveResponse response =
              answers.poll(
                  dueInMillis + settings().commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
          if (response == null) {
            throw new CtlException("context deadline exceeded", ExitCodes.BAD_CONNECTION);
          }
          if (response.getTTL() <= 0) {
            if (once) {
              throw new CtlException("etcdserver: requested lease not found", ExitCodes.BAD_CONNECTION);
            }
            if (format() == OutputFormat.SIMPLE) {
              out().line("lease " + GoFormat.hex16(id) + " expired or revoked.");
            }
            return ExitCodes.SUCCESS;
          }
          print(response);
          out().flush();
          if (once) {
            return ExitCodes.SUCCESS;
          }
          dueInMillis = Math.max(1, response.getTTL() * 1000 / 3);
        }
      } finally {
        keepAlive.close();
      }
    }

    private void print(LeaseKeepAliveResponse response) throws CtlException {
      if (format() == OutputFormat.TABLE) {
        throw unsupportedFormat();
      }
      if (format() == OutputFormat.JSON) {
        Map<String, Object> json = flatHeader(response.hasHeader() ? response.getHeader() : null);
        json.put("ID", response.getID());
        json.put("TTL", response.getTTL());
        out().line(Json.writeGo(json));
      } else {
        out().line(
            "lease " + GoFormat.hex16(response.getID()) + " keepalived with TTL("
                + response.getTTL() + ")");
      }
    }
  }

  /** A hex lease id argument, or etcdctl's error for it. */
  static long leaseId(String text) throws CtlException {
    try {
      return GoFormat.parseInt(text, 16);
    } catch (NumberFormatException e) {
      throw CtlException.badArgs("bad lease ID arg (" + e.getMessage() + "), expecting ID in Hex");
    }
  }

  /**
   * The header's fields at the top level of a new object, as Go embeds {@code *ResponseHeader}
   * in clientv3's lease responses.
   */
  static Map<String, Object> flatHeader(ResponseHeader header) {
    return header == null ? Json.object() : GoJson.of(header);
  }
}
