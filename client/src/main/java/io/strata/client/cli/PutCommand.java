package io.strata.client.cli;

import io.strata.api.etcdserverpb.PutRequest;
import io.strata.api.etcdserverpb.PutResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl put}: etcdctl's put. The value is the second argument or, without one, all of
 * standard input (as it is, trailing newline included); {@code --lease} is a hex id. Prints {@code
 * OK} (and the previous key-value with {@code --prev-kv}).
 *
 * <p>Threading: runs on the calling thread; also parses {@code put} lines of a txn.
 */
@Command(
    name = "put",
    description = {
      "Puts the given key into the store",
      "Puts the given key into the store.",
      "When <value> begins with '-', <value> is interpreted as a flag.",
      "Insert '--' for workaround:",
      "$ put <key> -- <value>",
      "$ put -- <key> <value>",
      "If <value> isn't given as a command line argument and '--ignore-value' is not specified,",
      "this command tries to read the value from standard input."
    })
final class PutCommand extends CtlCommand {

  @Parameters(arity = "0..*", paramLabel = "[options] <key> <value> (<value> can also be given from stdin)", description = "key and value")
  List<String> args = new ArrayList<>();

  @Option(names = "--lease", defaultValue = "0", description = "lease ID (in hexadecimal) to attach to the key")
  String lease;

  @Option(names = "--prev-kv", arity = "0..1", fallbackValue = "true", description = "return the previous key-value pair before modification")
  boolean prevKv;

  @Option(names = "--ignore-value", arity = "0..1", fallbackValue = "true", description = "updates the key using its current value")
  boolean ignoreValue;

  @Option(names = "--ignore-lease", arity = "0..1", fallbackValue = "true", description = "updates the key using its current lease")
  boolean ignoreLease;

  @Override
  int run() throws Exception {
    PutRequest request = request(root().stdin());
    PutResponse response = withConnection(connection -> connection.put(request));
    new Printer(out(), format(), root().hex()).put(response);
    return ExitCodes.SUCCESS;
  }

  /** The Put request the arguments ask for; the value from {@code stdin} if not an argument. */
  PutRequest request(InputStream stdin) throws CtlException {
    String needs = "put command needs 1 argument and input from stdin or 2 arguments";
    if (args.isEmpty()) {
      throw CtlException.badArgs(needs);
    }
    if (ignoreValue && args.size() > 1) {
      throw CtlException.badArgs("put command needs only 1 argument when 'ignore-value' is set");
    }
    PutRequest.Builder request = PutRequest.newBuilder().setKey(KeyRanges.utf8(args.get(0)));
    if (!ignoreValue) {
      if (args.size() > 1) {
        request.setValue(KeyRanges.utf8(args.get(1)));
      } else {
        byte[] value = readAll(stdin);
        if (value.length == 0) {
          throw CtlException.badArgs(needs);
        }
        request.setValue(com.google.protobuf.ByteString.copyFrom(value));
      }
    }
    long leaseId;
    try {
      leaseId = GoFormat.parseInt(lease, 16);
    } catch (NumberFormatException e) {
      throw CtlException.badArgs("bad lease ID (" + e.getMessage() + "), expecting ID in Hex");
    }
    return request
        .setLease(leaseId)
        .setPrevKv(prevKv)
        .setIgnoreValue(ignoreValue)
        .setIgnoreLease(ignoreLease)
        .build();
  }

  private static byte[] readAll(InputStream stdin) throws CtlException {
    try {
      return stdin.readAllBytes();
    } catch (IOException e) {
      throw CtlException.badArgs("cannot read the value from stdin: " + e.getMessage());
    }
  }
}
