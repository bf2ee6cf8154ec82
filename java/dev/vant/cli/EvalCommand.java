package dev.vant.cli;

import dev.vant.eval.Evaluator;
import dev.vant.eval.RobustnessCurve;
import dev.vant.eval.RobustnessFiles;
import dev.vant.eval.RobustnessPlots;
import dev.vant.eval.SigmaGrid;
import dev.vant.eval.TraceCurve;
import dev.vant.io.AtomicFiles;
import dev.vant.train.TrainedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vant eval RUN}: robustness of a trained model under inference noise. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Evaluate a trained run's robustness to inference noise.",
        "BatchNorm in inference mode, one sigma for all samples and layers, noise redrawn per batch, K noise seeds",
        "per sigma. Writes robustness.json, robustness.csv and robustness.png (accuracy vs sigma, +/- one std) with",
        "AUC, nAUC and, given --reference, rAUC; optionally fluctuating-noise traces and layer-wise sensitivity."})
public final class EvalCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "RUN", description = "Run folder written by vant train.")
  Path run;

  @Option(names = "--checkpoint", paramLabel = "FILE", description = "Checkpoint to evaluate (default: RUN/checkpoint.safetensors).")
  Path checkpoint;

  @Option(names = "--sigmas", paramLabel = "GRID", defaultValue = "paper",
      description = "Sigma grid: 'paper' (0, 0.1, 0.3, ..., 2.1, 2.4, 2.7, 3.0) or levels and FROM:TO:STEP ranges, e.g. 0,0.1:1.5:0.2 (default: ${DEFAULT-VALUE}).")
  String sigmas;

  @Option(names = "--repeats", paramLabel = "K", defaultValue = "3", description = "Noise seeds per sigma (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--reference", paramLabel = "FILE", description = "robustness.json of a reference curve (e.g. the matched models): adds rAUC.")
  Path reference;

  @Option(names = "--trace", paramLabel = "SPEC", description = {"Fluctuating inference noise (repeatable): normal:MEAN,STD or uniform:LO,HI (per batch;",
      "append ',sample' for per-sample levels), drift:SIGMA0,D (sigma(t) = SIGMA0*(1+D*ln(1+t)) over batches t), walk:SIGMA0,STEP.",
      "Writes trace-N.json/.csv/.png with accuracy over deployment time."})
  List<String> traces = new ArrayList<>();

  @Option(names = "--trace-passes", paramLabel = "P", defaultValue = "3", description = "Passes over the test set along a trace (default: ${DEFAULT-VALUE}).")
  int tracePasses;

  @Option(names = "--layerwise", description = "Also put noise at one noise operator at a time and report each one's accuracy drop (layerwise.csv/.json).")
  boolean layerwise;

  @Option(names = "--layerwise-sigma", paramLabel = "S", description = "Level of the layer-wise experiment (default: the run's sigma-train, or 1.0).")
  Double layerwiseSigma;

  @Option(names = "--test-limit", paramLabel = "N", description = "Evaluate only the first N test images (default: the run's own).")
  Integer testLimit;

  @Option(names = "--batch", defaultValue = "256", description = "Evaluation batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--device", defaultValue = "auto", description = "auto | cpu | cuda (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--threads", description = "CPU threads (default: all cores).")
  Integer threads;

  @Option(names = "--math", paramLabel = "MODE", description = DeviceOption.MATH_HELP)
  String math;

  @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: RUN).")
  Path out;

  @Override
  public Integer call() throws Exception {
    double[] grid;
    try {
      grid = SigmaGrid.parse(sigmas);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--sigmas: " + e.getMessage());
    }
    if (repeats < 1) throw new UsageException("--repeats must be >= 1, got " + repeats);
    if (batch < 1) throw new UsageException("--batch must be >= 1, got " + batch);
    if (tracePasses < 1) throw new UsageException("--trace-passes must be >= 1, got " + tracePasses);
    if (layerwiseSigma != null && !(layerwiseSigma >= 0)) throw new UsageException("--layerwise-sigma must be >= 0");
    if (reference != null && !Files.isRegularFile(reference)) throw new UsageException("--reference " + reference + ": no such file");
    for (String t : traces) {
      try {
        dev.vant.noise.InferenceTrace.parse(t, 0);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--trace: " + e.getMessage());
      }
    }
    DeviceOption.math(math); // a bad --math is a usage error before anything is read
    Path dir = out != null ? out : run;
    Files.createDirectories(dir);
    boolean drawn;
    try (TrainedRun r = TrainedRun.open(run, checkpoint, device, math, threads == null ? 0 : threads, testLimit)) {
      Evaluator ev = r.evaluator(batch);
      System.out.printf("evaluating %s on %d test images over %d sigmas x %d repeats%n", r.label(),
          r.data().test().size(), grid.length, repeats);
      RobustnessCurve curve = ev.curve(r.label(), grid, repeats, null);
      RobustnessCurve ref = reference != null ? RobustnessFiles.readJson(reference) : null;
      Map<String, Object> meta = meta(r);
      RobustnessFiles.writeJson(dir.resolve("robustness.json"), curve, ref, meta);
      RobustnessFiles.writeCsv(dir.resolve("robustness.csv"), curve, ref);
      drawn = Plots.orWarn(() -> RobustnessPlots.curve(curve, dir.resolve("robustness.png"), r.label()));
      print(curve, ref);
      for (int i = 0; i < traces.size(); i++) {
        TraceCurve tc = ev.trace(traces.get(i), repeats, tracePasses, r.config().seed);
        tc.writeJson(dir.resolve("trace-" + (i + 1) + ".json"), meta);
        tc.writeCsv(dir.resolve("trace-" + (i + 1) + ".csv"));
        Path tracePng = dir.resolve("trace-" + (i + 1) + ".png");
        Plots.orWarn(() -> RobustnessPlots.trace(tc, tracePng));
        System.out.printf(Locale.ROOT, "trace %s: mean accuracy %.2f%% over %d batches (trace-%d.*)%n", tc.spec(),
            100 * tc.overall(), tc.mean().length, i + 1);
      }
      if (layerwise) {
        double s = layerwiseSigma != null ? layerwiseSigma : r.config().sigmaTrain > 0 ? r.config().sigmaTrain : 1.0;
        writeLayerwise(dir, ev.layerwise(s, repeats));
      }
    }
    System.out.println("wrote " + dir.resolve("robustness.json") + ", .csv" + (drawn ? ", .png" : " (no .png: see the warning)"));
    return 0;
  }

  private static Map<String, Object> meta(TrainedRun r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run", r.dir().toString());
    m.put("model", r.config().model);
    m.put("dataset", r.config().dataset);
    m.put("noise", r.config().noise);
    m.put("sigma_train", r.config().sigmaTrain);
    m.put("noise_type", r.config().noiseType);
    m.put("test_images", r.data().test().size());
    m.put("math", DeviceOption.mathOf(r.backend()));
    return m;
  }

  static void print(RobustnessCurve c, RobustnessCurve ref) {
    System.out.println("| sigma | accuracy % | std |");
    System.out.println("|---|---|---|");
    for (int i = 0; i < c.sigmas().length; i++) {
      System.out.printf(Locale.ROOT, "| %.2f | %.2f | %.2f |%n", c.sigmas()[i], 100 * c.mean()[i], 100 * c.std()[i]);
    }
    System.out.printf(Locale.ROOT, "AUC %.4f  nAUC %s%s%n", c.auc(), fmt(RobustnessFiles.naucOrNull(c)),
        ref == null ? "" : String.format(Locale.ROOT, "  rAUC %.4f", c.rauc(ref)));
  }

  static String fmt(Double d) {
    return d == null ? "n/a" : String.format(Locale.ROOT, "%.4f", d);
  }

  private static void writeLayerwise(Path dir, List<Evaluator.Sensitivity> rows) throws java.io.IOException {
    StringBuilder csv = new StringBuilder("operator,name,sigma,accuracy,drop\n");
    List<Map<String, Object>> json = new ArrayList<>();
    System.out.println("| operator | accuracy % | drop (points) |");
    System.out.println("|---|---|---|");
    for (Evaluator.Sensitivity s : rows) {
      csv.append(String.format(Locale.ROOT, "%d,%s,%s,%.6f,%.6f%n", s.operator(), s.name(), s.sigma(), s.accuracy(), s.drop()));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("operator", s.operator());
      m.put("name", s.name());
      m.put("sigma", s.sigma());
      m.put("accuracy", s.accuracy());
      m.put("drop", s.drop());
      json.add(m);
      System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", s.name(), 100 * s.accuracy(), 100 * s.drop());
    }
    AtomicFiles.writeString(dir.resolve("layerwise.csv"), csv.toString());
    AtomicFiles.writeString(dir.resolve("layerwise.json"),
        new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
  }
}
