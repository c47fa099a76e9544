package io.strata.client.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Rows of text printed in columns. Not thread-safe; build, print, discard.
 *
 * <p>{@link #aligned()} is the {@code -w simple} form: a header line and left-aligned columns two
 * spaces apart. {@link #bordered()} is the {@code -w table} form, drawn like etcdctl's tables:
 *
 * <pre>
 * +----------------+------------------+
 * |    ENDPOINT    |        ID        |
 * +----------------+------------------+
 * | 127.0.0.1:2379 | 8e9e05c52164694d |
 * +----------------+------------------+
 * </pre>
 */
final class Table {

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

  /** Header and rows, columns left-aligned and separated by two spaces; each line ends in \n. */
  String aligned() {
    int[] widths = widths();
    StringBuilder text = new StringBuilder();
    appendAligned(text, header, widths);
    rows.forEach(row -> appendAligned(text, row, widths));
    return text.toString();
  }

  /** Header and rows in a box; header cells centered, others left-aligned; lines end in \n. */
  String bordered() {
    int[] widths = widths();
    StringBuilder separator = new StringBuilder("+");
    for (int width : widths) {
      separator.append("-".repeat(width + 2)).append('+');
    }
    separator.append('\n');
    StringBuilder text = new StringBuilder(separator);
    text.append('|');
    for (int i = 0; i < widths.length; i++) {
      String cell = header.get(i);
      int left = (widths[i] - cell.length()) / 2;
      int right = widths[i] - cell.length() - left;
      text.append(' ').append(" ".repeat(left)).append(cell).append(" ".repeat(right)).append(" |");
    }
    text.append('\n').append(separator);
    for (List<String> row : rows) {
      text.append('|');
      for (int i = 0; i < widths.length; i++) {
        text.append(' ').append(pad(row.get(i), widths[i])).append(" |");
      }
      text.append('\n');
    }
    return text.append(separator).toString();
  }

  private int[] widths() {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    return widths;
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
