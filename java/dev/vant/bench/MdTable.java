package dev.vant.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Markdown table built row by row: a header, an alignment per column (numbers right-aligned), and
 * cells that are already formatted. {@link #num} and {@link #ratio} format numbers the same way in every
 * benchmark report; a missing value (NaN) prints as an en dash.
 */
public final class MdTable {
  private final List<String> headers;
  private final boolean[] right;
  private final List<List<String>> rows = new ArrayList<>();

  /**
   * @param headers column titles; a title that starts with {@code ">"} is right-aligned (the marker is
   *     dropped), for numeric columns
   */
  public MdTable(String... headers) {
    if (headers.length == 0) throw new IllegalArgumentException("a table needs at least one column");
    this.headers = new ArrayList<>();
    this.right = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      right[i] = headers[i].startsWith(">");
      this.headers.add(escape(right[i] ? headers[i].substring(1) : headers[i]));
    }
  }

  /** Adds a row; it must have one cell per column. */
  public MdTable row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("table row has " + cells.length + " cells, the table has " + headers.size()
          + " columns (" + String.join(", ", headers) + ")");
    }
    List<String> r = new ArrayList<>();
    for (Object c : cells) r.add(escape(c == null ? "–" : c.toString()));
    rows.add(r);
    return this;
  }

  /** Number of rows added. */
  public int rows() {
    return rows.size();
  }

  /** The table in GitHub-flavored Markdown, one line per row, ending with a newline. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append("| ").append(String.join(" | ", headers)).append(" |\n|");
    for (boolean r : right) sb.append(r ? "---:|" : "---|");
    sb.append('\n');
    for (List<String> r : rows) sb.append("| ").append(String.join(" | ", r)).append(" |\n");
    return sb.toString();
  }

  /** {@code v} with {@code decimals} decimals, or an en dash for NaN / infinite. */
  public static String num(double v, int decimals) {
    if (!Double.isFinite(v)) return "–";
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /**
   * A time with 3-4 significant digits: microseconds under 1 ms ("12.35 µs", "812.4 µs"), else
   * milliseconds ("2.054 ms", "12.31 ms").
   */
  public static String time(double seconds) {
    if (!Double.isFinite(seconds)) return "–";
    double us = seconds * 1e6;
    if (us < 100) return num(us, 2) + " µs";
    if (us < 1000) return num(us, 1) + " µs";
    return num(seconds * 1e3, seconds < 10e-3 ? 3 : 2) + " ms";
  }

  /** {@code a / b} as "1.23x", or an en dash when either is missing or b is 0. */
  public static String ratio(double a, double b) {
    if (!Double.isFinite(a) || !Double.isFinite(b) || b == 0) return "–";
    return num(a / b, 2) + "x";
  }

  /**
   * Ratios measured in rounds as their median and quartiles, three decimals ("1.047x (1.041–1.052)"): the
   * quartiles show how far the ratio moved between rounds; an en dash when there are none.
   */
  public static String ratios(EventTimer.Ratios r) {
    if (r == null) return "–";
    return num(r.median(), 3) + "x (" + num(r.low(), 3) + "–" + num(r.high(), 3) + ")";
  }

  /** {@code part / whole} as a percentage with one decimal ("41.3%"), or an en dash. */
  public static String percent(double part, double whole) {
    if (!Double.isFinite(part) || !Double.isFinite(whole) || whole == 0) return "–";
    return num(100 * part / whole, 1) + "%";
  }

  private static String escape(String s) {
    // A pipe would end the cell; a newline would end the row.
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
