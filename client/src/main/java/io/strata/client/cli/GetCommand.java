package io.strata.client.cli;

import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl get}: etcdctl's get. Checks its arguments in etcdctl's order and with its
 * messages and exit codes, reads through {@code KV.Range}, then prints the key-values ({@link
 * Printer#get}). {@code --count-only} (etcdctl 3.5's) prints only the count: its number in
 * simple, the response (header and count) in json.
 *
 * <p>Threading: runs on the calling thread; also parses {@code get} lines of a txn ({@link
 * #request()}).
 */
@Command(name = "get", description = "Gets the key or a range of keys")
final class GetCommand extends CtlCommand {

  @Parameters(arity = "0..*", paramLabel = "[options] <key> [range_end]", description = "key")
  List<String> args = new ArrayList<>();

  @Option(names = "--consistency", defaultValue = "l", description = "Linearizable(l) or Serializable(s)")
  String consistency;

  @Option(names = "--order", defaultValue = "", description = "Order of results; ASCEND or DESCEND (ASCEND by default)")
  String order;

  @Option(names = "--sort-by", defaultValue = "", description = "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION")
  String sortBy;

  @Option(names = "--limit", defaultValue = "0", description = "Maximum number of results")
  long limit;

  @Option(names = "--prefix", arity = "0..1", fallbackValue = "true", description = "Get keys with matching prefix")
  boolean prefix;

  @Option(
      names = "--from-key",
      arity = "0..1",
      fallbackValue = "true",
      description = "Get keys that are greater than or equal to the given key using byte compare")
  boolean fromKey;

  @Option(names = "--rev", defaultValue = "0", description = "Specify the kv revision")
  long rev;

  @Option(names = "--keys-only", arity = "0..1", fallbackValue = "true", description = "Get only the keys")
  boolean keysOnly;

  @Option(names = "--count-only", arity = "0..1", fallbackValue = "true", description = "Get only the count")
  boolean countOnly;

  @Option(
      names = "--print-value-only",
      arity = "0..1",
      fallbackValue = "true",
      description = "Only write values when using the \"simple\" output format")
  boolean printValueOnly;

  @Override
  int run() throws Exception {
    RangeRequest request = request();
    RangeResponse response = withConnection(connection -> connection.range(request));
    if (printValueOnly && format() != OutputFormat.SIMPLE) {
      throw CtlException.badArgs("print-value-only is only for `--write-out=simple`");
    }
    if (countOnly && format() == OutputFormat.SIMPLE) {
      out().line(Long.toString(response.getCount()));
      return ExitCodes.SUCCESS;
    }
    new Printer(out(), format(), root().hex()).get(response, printValueOnly);
    return ExitCodes.SUCCESS;
  }

  /** The Range request the arguments ask for, checked as etcdctl checks them. */
  RangeRequest request() throws CtlException {
    if (args.isEmpty()) {
      throw CtlException.badArgs(
          "get command needs one argument as key and an optional argument as range_end");
    }
    if (prefix && fromKey) {
      throw CtlException.badArgs(
          "`--prefix` and `--from-key` cannot be set at the same time, choose one");
    }
    if (keysOnly && countOnly) {
      throw CtlException.badArgs(
          "`--keys-only` and `--count-only` cannot be set at the same time, choose one");
    }
    RangeRequest.Builder request = RangeRequest.newBuilder();
    switch (consistency) {
      case "s" -> request.setSerializable(true);
      case "l" -> {}
      default -> throw CtlException.badFeature("unknown consistency flag \"" + consistency + "\"");
    }
    String key = args.get(0);
    if (args.size() > 1) {
      if (prefix || fromKey) {
        throw CtlException.badArgs(
            "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
      }
      request.setRangeEnd(KeyRanges.utf8(args.get(1)));
    }
    request.setLimit(limit);
    if (rev > 0) {
      request.setRevision(rev);
    }
    RangeRequest.SortOrder sortOrder =
        switch (order.toUpperCase(Locale.ROOT)) {
          case "ASCEND" -> RangeRequest.SortOrder.ASCEND;
          case "DESCEND" -> RangeRequest.SortOrder.DESCEND;
          case "" -> RangeRequest.SortOrder.NONE;
          default -> throw CtlException.badFeature("bad sort order " + order);
        };
    RangeRequest.SortTarget sortTarget =
        switch (sortBy.toUpperCase(Locale.ROOT)) {
          case "CREATE" -> RangeRequest.SortTarget.CREATE;
          case "KEY", "" -> RangeRequest.SortTarget.KEY;
          case "MODIFY" -> RangeRequest.SortTarget.MOD;
          case "VALUE" -> RangeRequest.SortTarget.VALUE;
          case "VERSION" -> RangeRequest.SortTarget.VERSION;
          default -> throw CtlException.badFeature("bad sort target " + sortBy);
        };
    // By key ascending is the server's own order, so the clients ask for no sort at all.
    if (sortTarget == RangeRequest.SortTarget.KEY && sortOrder == RangeRequest.SortOrder.ASCEND) {
      sortOrder = RangeRequest.SortOrder.NONE;
    }
    request.setSortOrder(sortOrder).setSortTarget(sortTarget);
    if (prefix || fromKey) {
      if (key.isEmpty()) {
        request.setKey(KeyRanges.FROM_KEY).setRangeEnd(KeyRanges.FROM_KEY);
      } else if (prefix) {
        request.setKey(KeyRanges.utf8(key)).setRangeEnd(KeyRanges.prefixEnd(KeyRanges.utf8(key)));
      } else {
        request.setKey(KeyRanges.utf8(key)).setRangeEnd(KeyRanges.FROM_KEY);
      }
    } else {
      request.setKey(KeyRanges.utf8(key));
    }
    request.setKeysOnly(keysOnly).setCountOnly(countOnly);
    return request.build();
  }
}
