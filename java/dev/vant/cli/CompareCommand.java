package dev.vant.cli;

import dev.vant.eval.RobustnessCurve;
import dev.vant.eval.RobustnessFiles;
import dev.vant.eval.RobustnessPlots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vant compare RUN...}: robustness curves side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compare evaluated runs in one table and one plot.",
        "The table has clean accuracy, accuracy at each sigma, nAUC and (with --reference) rAUC. Each RUN is a run",
        "folder holding robustness.json (from vant eval) or a robustness.json file."})
public final class CompareCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "RUN", description = "Run folders or robustness.json files.")
  List<Path> runs;

  @Option(names = "--reference", paramLabel = "FILE", description = "robustness.json of the reference curve for rAUC (default: none).")
  Path reference;

  @Option(names = "--plot", paramLabel = "FILE", defaultValue = "compare.png", description = "PNG with all curves (default: ${DEFAULT-VALUE}).")
  Path plot;

  @Option(names = "--title", defaultValue = "accuracy under inference noise", description = "Plot title (default: ${DEFAULT-VALUE}).")
  String title;

  @Override
  public Integer call() throws IOException {
    List<RobustnessCurve> curves = new ArrayList<>();
    for (Path r : runs) curves.add(read(r));
    RobustnessCurve ref = reference == null ? null : read(reference);
    System.out.print(table(curves, ref));
    Path parent = plot.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    RobustnessPlots.compare(curves, plot, title);
    System.out.println("plot: " + plot);
    return 0;
  }

  private static RobustnessCurve read(Path p) throws IOException {
    Path f = Files.isDirectory(p) ? p.resolve("robustness.json") : p;
    if (!Files.isRegularFile(f)) {
      throw new UsageException(p + ": no robustness.json (run 'vant eval " + p + "' first)");
    }
    RobustnessCurve c = RobustnessFiles.readJson(f);
    return Files.isDirectory(p) ? c.withLabel(p.getFileName().toString()) : c;
  }

  // A grid that does not reach a column's sigma (or a reference that does not cover a curve) shows n/a.
  private static String pct(java.util.function.DoubleSupplier v) {
    try {
      return String.format(Locale.ROOT, "%.2f", 100 * v.getAsDouble());
    } catch (IllegalArgumentException | IllegalStateException e) {
      return "n/a";
    }
  }

  private static String num(java.util.function.DoubleSupplier v) {
    try {
      return String.format(Locale.ROOT, "%.4f", v.getAsDouble());
    } catch (IllegalArgumentException | IllegalStateException e) {
      return "n/a";
    }
  }

  /**
   * The comparison as a Markdown table: a row per curve, a column per sigma of the first curve's grid
   * (other grids are read off by linear interpolation), then AUC, nAUC and, with a reference, rAUC. AUC
   * stands beside nAUC because nAUC divides by the clean accuracy and so flatters a model whose clean
   * accuracy is below its accuracy under noise.
   */
  public static String table(List<RobustnessCurve> curves, RobustnessCurve ref) {
    double[] grid = curves.get(0).sigmas();
    StringBuilder b = new StringBuilder("| run | clean |");
    StringBuilder sep = new StringBuilder("|---|---|");
    for (double s : grid) {
      if (s == 0) continue;
      b.append(String.format(Locale.ROOT, " %.2f |", s));
      sep.append("---|");
    }
    b.append(" AUC | nAUC |").append(ref == null ? "" : " rAUC |").append('\n');
    sep.append("---|---|").append(ref == null ? "" : "---|").append('\n');
    b.append(sep);
    for (RobustnessCurve c : curves) {
      b.append("| ").append(c.label()).append(" | ").append(pct(() -> c.accuracyAt(0))).append(" |");
      for (double s : grid) {
        if (s != 0) b.append(' ').append(pct(() -> c.accuracyAt(s))).append(" |");
      }
      b.append(' ').append(String.format(Locale.ROOT, "%.4f", c.auc())).append(" |");
      b.append(' ').append(EvalCommand.fmt(RobustnessFiles.naucOrNull(c))).append(" |");
      if (ref != null) b.append(' ').append(num(() -> c.rauc(ref))).append(" |");
      b.append('\n');
    }
    return b.toString();
  }
}
