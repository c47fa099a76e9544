package io.strata.client.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of text printed in columns. Not thread-safe; build, print, discard.
 *
 * <p>{@link #aligned()} is a plain form: a header line and left-aligned columns two spaces apart.
 * {@link #bordered()} is the {@code -w table} form, drawn as etcdctl draws its tables (the Go
 * library tablewriter, with etcdctl's right alignment): header cells centered, other cells
 * right-aligned, and a cell wider than 30 characters wrapped at spaces into several lines:
 *
 * <pre>
 * +-----------------+------------------+
 * |    ENDPOINT     |        ID        |
 * +-----------------+------------------+
 * | 127.0.0.1:42379 | 8e9e05c52164694d |
 * +-----------------+------------------+
 * </pre>
 */
final class Table {

  /** tablewriter's default wrap width. */
  private static final int WRAP_WIDTH = 30;

  /** tablewriter's penalty for a wrapped line longer than the width. */
  private static final long OVERLONG_PENALTY = 100_000;

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(List<String> header) {
    this.header = List.copyOf(header);
  }

  Table addRow(List<String> row) {
    if (row.size() != header.size()) {
      throw new IllegalArgumentException(
          "row has " + row.size() + " cells, header " + header.size());
    }
    rows.add(List.copyOf(row));
    return this;
  }

  /** The rows as etcdctl's simple format prints them: cells joined by ", ", one row a line. */
  String commaSeparated() {
    StringBuilder text = new StringBuilder();
    rows.forEach(row -> text.append(String.join(", ", row)).append('\n'));
    return text.toString();
  }

  /** Header and rows, columns left-aligned and separated by two spaces; each line ends in \n. */
  String aligned() {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    appendAligned(text, header, widths);
    rows.forEach(row -> appendAligned(text, row, widths));
    return text.toString();
  }

  /** Header and rows in a box, as etcdctl's {@code -w table}; lines end in \n. */
  String bordered() {
    List<List<List<String>>> wrappedRows = new ArrayList<>();
    for (List<String> row : rows) {
      wrappedRows.add(row.stream().map(Table::wrap).toList());
    }
    List<List<String>> wrappedHeader = header.stream().map(Table::wrap).toList();
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = maxWidth(wrappedHeader.get(i));
      for (List<List<String>> row : wrappedRows) {
        widths[i] = Math.max(widths[i], maxWidth(row.get(i)));
      }
    }
    StringBuilder separator = new StringBuilder("+");
    for (int width : widths) {
      separator.append("-".repeat(width + 2)).append('+');
    }
    separator.append('\n');
    StringBuilder text = new StringBuilder(separator);
    appendBoxed(text, wrappedHeader, widths, true);
    text.append(separator);
    for (List<List<String>> row : wrappedRows) {
      appendBoxed(text, row, widths, false);
    }
    return text.append(separator).toString();
  }

  private static void appendBoxed(
      StringBuilder text, List<List<String>> cells, int[] widths, boolean centered) {
    int height = cells.stream().mapToInt(List::size).max().orElse(1);
    for (int line = 0; line < height; line++) {
      text.append('|');
      for (int i = 0; i < widths.length; i++) {
        List<String> cell = cells.get(i);
        String part = line < cell.size() ? cell.get(line) : "";
        int padding = widths[i] - part.length();
        if (centered) {
          int left = padding / 2;
          text.append(' ')
              .append(" ".repeat(left))
              .append(part)
              .append(" ".repeat(padding - left))
              .append(" |");
        } else {
          text.append(' ').append(" ".repeat(padding)).append(part).append(" |");
        }
      }
      text.append('\n');
    }
  }

  private static int maxWidth(List<String> lines) {
    return lines.stream().mapToInt(String::length).max().orElse(0);
  }

  /**
   * A cell as tablewriter wraps it: unchanged if it fits in 30 characters, else its words packed
   * into lines so that the sum of the squared slack is least (a word longer than the width widens
   * the limit to its length).
   */
  static List<String> wrap(String cell) {
    if (cell.length() <= WRAP_WIDTH) {
      return List.of(cell);
    }
    String[] words = cell.replace('\n', ' ').split(" ", -1);
    int limit = WRAP_WIDTH;
    for (String word : words) {
      limit = Math.max(limit, word.length());
    }
    int n = words.length;
    long[] cost = new long[n + 1];
    int[] lineEnd = new int[n];
    Arrays.fill(cost, Integer.MAX_VALUE);
    cost[n] = 0;
    for (int i = n - 1; i >= 0; i--) {
      if (lineLength(words, i, n) <= limit) {
        cost[i] = 0;
        lineEnd[i] = n;
        continue;
      }
      for (int j = i + 1; j < n; j++) {
        int length = lineLength(words, i, j);
        long slack = limit - length;
        long candidate = slack * slack + cost[j];
        if (length > limit) {
          candidate += OVERLONG_PENALTY;
        }
        if (candidate < cost[i]) {
          cost[i] = candidate;
          lineEnd[i] = j;
        }
      }
    }
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i = lineEnd[i]) {
      lines.add(String.join(" ", Arrays.asList(words).subList(i, lineEnd[i])));
    }
    return lines;
  }

  /** The length of words[from, to) joined by single spaces. */
  private static int lineLength(String[] words, int from, int to) {
    int length = to - from - 1;
    for (int k = from; k < to; k++) {
      length += words[k].length();
    }
    return length;
  }

  private static void appendAligned(StringBuilder text, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      line.append(i == cells.size() - 1 ? cells.get(i) : pad(cells.get(i), widths[i] + 2));
    }
    text.append(line).append('\n');
  }

  private static String pad(String cell, int width) {
    return cell + " ".repeat(width - cell.length());
  }
}
