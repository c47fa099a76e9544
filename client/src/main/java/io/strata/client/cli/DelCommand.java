package io.strata.client.cli;

import io.strata.api.etcdserverpb.DeleteRangeRequest;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl del}: etcdctl's del, through {@code KV.DeleteRange}; prints the number of keys
 * deleted (and, with {@code --prev-kv}, each deleted key-value).
 *
 * <p>Threading: runs on the calling thread; also parses {@code del} lines of a txn.
 */
@Command(name = "del", description = "Removes the specified key or range of keys [key, range_end)")
final class DelCommand extends CtlCommand {

  @Parameters(arity = "0..*", paramLabel = "[options] <key> [range_end]", description = "key")
  List<String> args = new ArrayList<>();

  @Option(names = "--prefix", arity = "0..1", fallbackValue = "true", description = "delete keys with matching prefix")
  boolean prefix;

  @Option(names = "--prev-kv", arity = "0..1", fallbackValue = "true", description = "return deleted key-value pairs")
  boolean prevKv;

  @Option(
      names = "--from-key",
      arity = "0..1",
      fallbackValue = "true",
      description = "delete keys that are greater than or equal to the given key using byte compare")
  boolean fromKey;

  @Override
  int run() throws Exception {
    DeleteRangeRequest request = request();
    DeleteRangeResponse response = withConnection(connection -> connection.deleteRange(request));
    new Printer(out(), format(), root().hex()).del(response);
    return ExitCodes.SUCCESS;
  }

  /** The DeleteRange request the arguments ask for, checked as etcdctl checks them. */
  DeleteRangeRequest request() throws CtlException {
    if (args.isEmpty() || args.size() > 2) {
      throw CtlException.badArgs(
          "del command needs one argument as key and an optional argument as range_end");
    }
    if (prefix && fromKey) {
      throw CtlException.badArgs(
          "`--prefix` and `--from-key` cannot be set at the same time, choose one");
    }
    String key = args.get(0);
    DeleteRangeRequest.Builder request = DeleteRangeRequest.newBuilder();
    if (args.size() > 1) {
      if (prefix || fromKey) {
        throw CtlException.badArgs(
            "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
      }
      request.setRangeEnd(KeyRanges.utf8(args.get(1)));
    }
    if ((prefix || fromKey) && key.isEmpty()) {
      request.setKey(KeyRanges.FROM_KEY).setRangeEnd(KeyRanges.FROM_KEY);
    } else if (prefix) {
      request.setKey(KeyRanges.utf8(key)).setRangeEnd(KeyRanges.prefixEnd(KeyRanges.utf8(key)));
    } else if (fromKey) {
      request.setKey(KeyRanges.utf8(key)).setRangeEnd(KeyRanges.FROM_KEY);
    } else {
      request.setKey(KeyRanges.utf8(key));
    }
    return request.setPrevKv(prevKv).build();
  }
}
