package io.strata.client.cli;

import io.strata.api.etcdserverpb.Compare;
import io.strata.api.etcdserverpb.RequestOp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads a transaction as etcdctl's {@code txn} reads it from standard input: compares, a blank
 * line, success requests, a blank line, failure requests, a blank line. Each line must end in a
 * newline (input that ends early is {@code Error: EOF}, exit 3). Not thread-safe.
 *
 * <pre>
 * mod("key1") &gt; "0"
 *
 * put key1 "overwrote-key1"
 *
 * put key1 "created-key1"
 * get key2 --prefix
 * </pre>
 *
 * <p>A compare is {@code target("key") op "value"}: targets {@code ver|version}, {@code
 * c|create}, {@code m|mod} (decimal), {@code val|value}, {@code lease} (hex); ops {@code = != >
 * <}. A request is a {@code get}, {@code put} or {@code del} command line with its flags, words
 * split as etcdctl splits them (double-quoted with Go escapes, or single-quoted).
 */
final class TxnInput {

  private static final Pattern WORD =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|[^'\"\\s]\\S*[^'\"\\s]?");

  private final InputStream in;

  TxnInput(InputStream in) {
    this.in = in;
  }

  /** Compares up to the next blank line. */
  List<Compare> compares() throws CtlException {
    List<Compare> compares = new ArrayList<>();
    for (String line = nextLine(); !line.isEmpty(); line = nextLine()) {
      compares.add(compare(line));
    }
    return compares;
  }

  /** Requests up to the next blank line. */
  List<RequestOp> requests() throws CtlException {
    List<RequestOp> requests = new ArrayList<>();
    for (String line = nextLine(); !line.isEmpty(); line = nextLine()) {
      requests.add(request(line));
    }
    return requests;
  }

  /** The next line, trimmed; reads byte by byte so that nothing after it is consumed. */
  private String nextLine() throws CtlException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          throw CtlException.invalidInput("EOF");
        }
        line.write(b);
      }
    } catch (IOException e) {
      throw CtlException.invalidInput(e.getMessage());
    }
    return line.toString(StandardCharsets.UTF_8).strip();
  }

  static Compare compare(String line) throws CtlException {
    int paren = line.indexOf('(');
    if (paren < 0) {
      throw CtlException.invalidInput("malformed comparison: " + line);
    }
    String target = line.substring(0, paren);
    ComparisonScan scan = new ComparisonScan(line.substring(paren + 1));
    if (scan.parsed != 3) {
      throw CtlException.invalidInput(
          "malformed comparison: " + line + "; got " + target + "(" + GoFormat.quote(scan.key)
              + ") " + scan.op + " " + GoFormat.quote(scan.value));
    }
    Compare.Builder compare = Compare.newBuilder().setKey(KeyRanges.utf8(scan.key));
    try {
      switch (target) {
        case "ver", "version" ->
            compare.setTarget(Compare.CompareTarget.VERSION)
                .setVersion(GoFormat.parseInt(scan.value, 10));
        case "c", "create" ->
            compare.setTarget(Compare.CompareTarget.CREATE)
                .setCreateRevision(GoFormat.parseInt(scan.value, 10));
        case "m", "mod" ->
            compare.setTarget(Compare.CompareTarget.MOD)
                .setModRevision(GoFormat.parseInt(scan.value, 10));
        case "val", "value" ->
            compare.setTarget(Compare.CompareTarget.VALUE).setValue(KeyRanges.utf8(scan.value));
        case "lease" ->
            compare.setTarget(Compare.CompareTarget.LEASE)
                .setLease(GoFormat.parseInt(scan.value, 16));
        default ->
            throw CtlException.invalidInput(
                "malformed comparison: " + line + " (unknown target " + target + ")");
      }
    } catch (NumberFormatException e) {
      throw CtlException.invalidInput("invalid txn compare request: " + line);
    }
    Compare.CompareResult result =
        switch (scan.op) {
          case "=" -> Compare.CompareResult.EQUAL;
          case "!=" -> Compare.CompareResult.NOT_EQUAL;
          case ">" -> Compare.CompareResult.GREATER;
          case "<" -> Compare.CompareResult.LESS;
          // etcdctl panics here (exit 2); stratactl says what is wrong.
          default ->
              throw CtlException.invalidInput(
                  "malformed comparison: " + line + " (unknown operator " + scan.op
                      + ", use =, !=, > or <)");
        };
    return compare.setResult(result).build();
  }

  /**
   * {@code "key") op "value"} scanned as Go's {@code fmt.Sscanf("%q) %s %q")} scans it: {@link
   * #parsed} counts the operands read before the first mismatch.
   */
  private static final class ComparisonScan {
    int parsed;
    String key = "";
    String op = "";
    String value = "";
    private final String text;
    private int at;

    ComparisonScan(String text) {
      this.text = text;
      Optional<String> quotedKey = quoted();
      if (quotedKey.isEmpty()) {
        return;
      }
      key = quotedKey.get();
      parsed = 1;
      if (at >= text.length() || text.charAt(at) != ')') {
        return;
      }
      at++;
      skipSpaces();
      int start = at;
      while (at < text.length() && !Character.isWhitespace(text.charAt(at))) {
        at++;
      }
      if (start == at) {
        return;
      }
      op = text.substring(start, at);
      parsed = 2;
      Optional<String> quotedValue = quoted();
      if (quotedValue.isPresent()) {
        value = quotedValue.get();
        parsed = 3;
      }
    }

    private void skipSpaces() {
      while (at < text.length() && text.charAt(at) == ' ') {
        at++;
      }
    }

    /** A Go quoted string ("..." with escapes, or `...`) after optional spaces. */
    private Optional<String> quoted() {
      skipSpaces();
      if (at >= text.length()) {
        return Optional.empty();
      }
      char open = text.charAt(at);
      if (open == '`') {
        int close = text.indexOf('`', at + 1);
        if (close < 0) {
          return Optional.empty();
        }
        String raw = text.substring(at + 1, close);
        at = close + 1;
        return Optional.of(raw);
      }
      if (open != '"') {
        return Optional.empty();
      }
      int end = at + 1;
      while (end < text.length() && text.charAt(end) != '"') {
        end += text.charAt(end) == '\\' ? 2 : 1;
      }
      if (end >= text.length()) {
        return Optional.empty();
      }
      Optional<String> unquoted = unquote(text.substring(at, end + 1));
      at = end + 1;
      return unquoted;
    }
  }

  /** Parses a request line with a fresh get, put or del command, as etcdctl does. */
  static RequestOp request(String line) throws CtlException {
    List<String> words = words(line);
    if (words.size() < 2) {
      throw CtlException.invalidInput("invalid txn compare request: " + line);
    }
    String[] rest = words.subList(1, words.size()).toArray(String[]::new);
    try {
      switch (words.get(0)) {
        case "get" -> {
          GetCommand get = new GetCommand();
          new CommandLine(get).parseArgs(rest);
          return RequestOp.newBuilder().setRequestRange(get.request()).build();
        }
        case "put" -> {
          PutCommand put = new PutCommand();
          new CommandLine(put).parseArgs(rest);
          return RequestOp.newBuilder()
              .setRequestPut(put.request(InputStream.nullInputStream()))
              .build();
        }
        case "del" -> {
          DelCommand del = new DelCommand();
          new CommandLine(del).parseArgs(rest);
          return RequestOp.newBuilder().setRequestDeleteRange(del.request()).build();
        }
        default -> throw CtlException.invalidInput("invalid txn request: " + line);
      }
    } catch (CommandLine.ParameterException e) {
      throw CtlException.invalidInput("invalid txn request: " + line);
    }
  }

  /** A line split into words as etcdctl's argify splits it, quotes removed. */
  static List<String> words(String line) throws CtlException {
    List<String> words = new ArrayList<>();
    Matcher matcher = WORD.matcher(line);
    while (matcher.find()) {
      String word = matcher.group();
      if (word.startsWith("'") && word.endsWith("'") && word.length() >= 2) {
        words.add(word.substring(1, word.length() - 1));
      } else if (word.startsWith("\"")) {
        words.add(
            unquote(word).orElseThrow(() -> CtlException.invalidInput("bad quoted word " + word)));
      } else {
        words.add(word);
      }
    }
    return words;
  }

  /** A Go double-quoted string literal's value; empty if it is not one. */
  static Optional<String> unquote(String literal) {
    if (literal.length() < 2 || literal.charAt(0) != '"' || literal.charAt(literal.length() - 1) != '"') {
      return Optional.empty();
    }
    StringBuilder value = new StringBuilder();
    for (int i = 1; i < literal.length() - 1; i++) {
      char c = literal.charAt(i);
      if (c == '"') {
        return Optional.empty();
      }
      if (c != '\\') {
        value.append(c);
        continue;
      }
      if (++i >= literal.length() - 1) {
        return Optional.empty();
      }
      char e = literal.charAt(i);
      switch (e) {
        case 'n' -> value.append('\n');
        case 't' -> value.append('\t');
        case 'r' -> value.append('\r');
        case 'a' -> value.append('\u0007');
        case 'b' -> value.append('\b');
        case 'f' -> value.append('\f');
        case 'v' -> value.append('\u000b');
        case '\\', '"', '\'' -> value.append(e);
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + digits >= literal.length()) {
            return Optional.empty();
          }
          try {
            value.appendCodePoint(Integer.parseInt(literal.substring(i + 1, i + 1 + digits), 16));
          } catch (IllegalArgumentException bad) {
            return Optional.empty();
          }
          i += digits;
        }
        default -> {
          return Optional.empty();
        }
      }
    }
    return Optional.of(value.toString());
  }
}
