package dev.agentstore.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain text table: a header row and left-aligned columns two spaces apart, except numeric
 * columns, which are right-aligned. Widths are counted in terminal columns ({@link DisplayWidth}),
 * so wide CJK characters and emoji keep the columns after them aligned. Cells are printed as given.
 * Trailing spaces are trimmed.
 */
final class Table {
  private final String[] headers;
  private final boolean[] numeric;
  private final List<String[]> rows = new ArrayList<>();

  /** Headers ending in {@code '>'} name right-aligned (numeric) columns; the mark is not shown. */
  Table(String... headers) {
    this.headers = new String[headers.length];
    this.numeric = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      numeric[i] = headers[i].endsWith(">");
      this.headers[i] = numeric[i] ? headers[i].substring(0, headers[i].length() - 1) : headers[i];
    }
  }

  void add(Object... cells) {
    if (cells.length != headers.length) {
      throw new IllegalArgumentException(
          "a row needs " + headers.length + " cells, got " + cells.length);
    }
    String[] row = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      row[i] = String.valueOf(cells[i]);
    }
    rows.add(row);
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out) {
    int[] widths = new int[headers.length];
    for (int i = 0; i < headers.length; i++) {
      widths[i] = DisplayWidth.of(headers[i]);
      for (String[] row : rows) {
        widths[i] = Math.max(widths[i], DisplayWidth.of(row[i]));
      }
    }
    printRow(out, headers, widths);
    for (String[] row : rows) {
      printRow(out, row, widths);
    }
  }

  private void printRow(PrintWriter out, String[] cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        line.append("  ");
      }
      String pad = " ".repeat(widths[i] - DisplayWidth.of(cells[i]));
      if (numeric[i]) {
        line.append(pad).append(cells[i]);
      } else {
        line.append(cells[i]).append(pad);
      }
    }
    out.println(line.toString().stripTrailing());
  }
}
