package dev.vant.eval;

import dev.vant.io.AtomicFiles;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots with XChart, rendered off-screen (the class sets {@code java.awt.headless=true} unless the
 * caller chose otherwise, so it works on servers without a display). Files are written atomically.
 *
 * <p>Drawing text needs the Java runtime's font library, which links the system's (libfreetype, libharfbuzz,
 * fontconfig). A bare server may lack them (the first GPU host did: {@code libharfbuzz.so.0} missing); then every
 * method here throws {@link UnavailableException} naming the file and the cause, and writes nothing.
 */
public final class RobustnessPlots {
  /** This runtime cannot render the plot (its native font or graphics libraries failed to load). */
  public static final class UnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public UnavailableException(Path png, Throwable cause) {
      super(png + " not drawn: this Java runtime cannot render text or images (" + cause
          + "); install the system's font libraries (Debian: libfreetype6 libharfbuzz0b fontconfig) or use a full JDK", cause);
    }
  }

  /** Builds and saves one chart. */
  interface Drawing {
    void draw() throws IOException;
  }
  static {
    if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
  }

  /** Distinct colors for up to 8 curves (then they repeat). */
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)
  };

  private RobustnessPlots() {}

  /** robustness.png: accuracy vs sigma_inf with a band of +/- one std; {@code title} may be null. */
  public static void curve(RobustnessCurve c, Path png, String title) throws IOException {
    compare(List.of(c), png, title != null ? title
        : "Robustness: " + c.label() + (c.repeats() > 1 ? " (mean +/- 1 std over " + c.repeats() + " noise seeds)" : ""));
  }

  /** One plot with all curves (for {@code vant compare} and the demo), each with its +/- std band. */
  public static void compare(List<RobustnessCurve> curves, Path png, String title) throws IOException {
    if (curves.isEmpty()) throw new IllegalArgumentException("RobustnessPlots.compare: no curves to plot (" + png + ")");
    guarded(png, () -> drawCompare(curves, png, title));
  }

  private static void drawCompare(List<RobustnessCurve> curves, Path png, String title) throws IOException {
    XYChart chart = chart(title == null ? "Robustness" : title, "sigma_inf", "test accuracy");
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    for (int i = 0; i < curves.size(); i++) {
      RobustnessCurve c = curves.get(i);
      Color color = COLORS[i % COLORS.length];
      String name = uniqueName(chart, c.label());
      if (c.repeats() > 1) {
        XYSeries band = chart.addSeries(name + " +/- std", bandX(c.sigmas()), bandY(c.mean(), c.std()));
        band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        band.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 60));
        band.setLineColor(new Color(0, 0, 0, 0));
        band.setMarker(SeriesMarkers.NONE);
        band.setShowInLegend(false);
      }
      XYSeries line = chart.addSeries(name, c.sigmas(), c.mean());
      line.setLineColor(color);
      line.setMarkerColor(color);
      line.setMarker(SeriesMarkers.CIRCLE);
      line.setLineStyle(new BasicStroke(2f));
    }
    save(chart, png);
  }

  /** trace.png: accuracy per batch (left axis) and the level sigma(t) (right axis) over deployment time. */
  public static void trace(TraceCurve tc, Path png) throws IOException {
    guarded(png, () -> drawTrace(tc, png));
  }

  private static void drawTrace(TraceCurve tc, Path png) throws IOException {
    XYChart chart = chart("Fluctuating noise: " + tc.spec(), "deployment time t (batch)", "test accuracy");
    double[] t = new double[tc.mean().length];
    for (int i = 0; i < t.length; i++) t[i] = i;
    XYSeries acc = chart.addSeries("accuracy", t, tc.mean());
    acc.setLineColor(COLORS[0]);
    acc.setMarker(SeriesMarkers.NONE);
    XYSeries sig = chart.addSeries("sigma(t)", t, tc.sigma());
    sig.setYAxisGroup(1);
    sig.setLineColor(COLORS[1]);
    sig.setMarker(SeriesMarkers.NONE);
    chart.setYAxisGroupTitle(1, "sigma_inf");
    chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    save(chart, png);
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart chart = new XYChartBuilder().width(800).height(560).title(title).xAxisTitle(x).yAxisTitle(y).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setAntiAlias(true);
    chart.getStyler().setXAxisDecimalPattern("0.##");
    return chart;
  }

  private static String uniqueName(XYChart chart, String label) {
    String name = label;
    for (int k = 2; chart.getSeriesMap().containsKey(name); k++) name = label + " (" + k + ")";
    return name;
  }

  static double[] bandX(double[] s) {
    int n = s.length;
    double[] x = new double[2 * n];
    for (int i = 0; i < n; i++) {
      x[i] = s[i];
      x[2 * n - 1 - i] = s[i];
    }
    return x;
  }

  static double[] bandY(double[] m, double[] sd) {
    int n = m.length;
    double[] y = new double[2 * n];
    for (int i = 0; i < n; i++) {
      y[i] = Math.min(1, m[i] + sd[i]);
      y[2 * n - 1 - i] = Math.max(0, m[i] - sd[i]);
    }
    return y;
  }

  /**
   * Runs {@code d}, turning the errors a runtime without its native font or graphics libraries raises (an
   * UnsatisfiedLinkError, a NoClassDefFoundError of a font class that failed to initialize, an AWTError, or the
   * InternalError some font managers throw) into an {@link UnavailableException} for {@code png}.
   */
  static void guarded(Path png, Drawing d) throws IOException {
    try {
      d.draw();
    } catch (LinkageError | java.awt.AWTError | InternalError e) {
      throw new UnavailableException(png, e);
    }
  }

  private static void save(XYChart chart, Path png) throws IOException {
    AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
  }
}
