package dev.vant.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.backend.Backend;
import dev.vant.data.Datasets;
import dev.vant.io.AtomicFiles;
import dev.vant.eval.RobustnessCurve;
import dev.vant.eval.RobustnessFiles;
import dev.vant.eval.RobustnessPlots;
import dev.vant.eval.SigmaGrid;
import dev.vant.train.EpochMetrics;
import dev.vant.train.TrainConfig;
import dev.vant.train.Trainer;
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

/**
 * {@code vant demo}: the whole idea in a few minutes. Three models of one architecture, trained from the
 * same seed on the same data — no noise, Noisy Training and VANT — evaluated over a sigma grid that
 * reaches past sigma_train, compared in a table, plots and summary.json.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train three small models (no noise, NT, VANT) and compare their robustness to inference noise.",
        "Data: Fashion-MNIST from --data; else the full set when installed (apt-get install dataset-fashion-mnist); else the first 9000 / 2000 images of it that ship in data/fashion-mnist-demo (all the CPU demo uses); else the built-in synthetic images.",
        "On the CPU it takes about 2 minutes; on a GPU it trains ResNet-18 on more data.",
        "Writes DIR/{none,nt,vant}/ (run folders), DIR/compare.png, DIR/<key>.png and DIR/summary.json."})
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--out", paramLabel = "DIR", defaultValue = "demo-report", description = "Report folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST folder (IDX files, plain or .gz).")
  Path data;

  @Option(names = "--synthetic", description = "Use the built-in synthetic images instead of Fashion-MNIST.")
  boolean synthetic;

  @Option(names = "--device", defaultValue = "auto", description = "auto | cpu | cuda (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--threads", description = "CPU threads (default: all cores).")
  Integer threads;

  @Option(names = "--math", paramLabel = "MODE", description = DeviceOption.MATH_HELP)
  String math;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of all three runs (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--model", description = "Architecture of the three models (default: lenet5 on the CPU, resnet18 on a GPU).")
  String model;

  @Option(names = "--epochs", description = "Epochs per model (default: 4 on the CPU, 10 on a GPU).")
  Integer epochs;

  @Option(names = "--ramp-epochs", paramLabel = "R",
      description = "NT and VANT ramp their level linearly from 0 over the first R epochs (default: a quarter of the epochs, at least 1, as the paper ramps over 100 of its 400 epochs).")
  Integer rampEpochs;

  @Option(names = "--batch", description = "Batch size (default: 32 on the CPU, where the small model needs many small steps to converge in a few epochs; 128 on a GPU, as the paper).")
  Integer batch;

  @Option(names = "--limit", paramLabel = "N", description = "Training images (default: 9000 on the CPU, all on a GPU).")
  Integer limit;

  @Option(names = "--test-limit", paramLabel = "N", description = "Test images (default: 2000 on the CPU, all on a GPU).")
  Integer testLimit;

  @Option(names = "--sigma-train", description = "sigma_train of NT and VANT (default: ${DEFAULT-VALUE}).", defaultValue = "0.6")
  float sigmaTrain;

  @Option(names = "--sigmas", paramLabel = "GRID", description = "Evaluation grid, as for vant eval (default: paper = 0, 0.1, 0.3, ..., 2.1, 2.4, 2.7, 3.0, the paper's grid, reaching 5 x the default sigma_train).")
  String sigmas;

  @Option(names = "--repeats", defaultValue = "2", description = "Noise seeds per sigma (default: ${DEFAULT-VALUE}).")
  int repeats;

  /**
   * Where the demo's images come from, in order of preference: {@code --data}, the full Fashion-MNIST when
   * installed, the subset shipped with vant, the synthetic images.
   */
  record DemoData(String dataset, Path dir, String description) {
    static DemoData choose(Path data, boolean synthetic, boolean installed, Path subset) {
      if (synthetic) return new DemoData("synthetic", null, "the built-in synthetic images (--synthetic)");
      if (data != null) return new DemoData("fashion-mnist", data, "Fashion-MNIST from " + data);
      if (installed) return new DemoData("fashion-mnist", null, "Fashion-MNIST from its installed location");
      if (subset != null) {
        return new DemoData("fashion-mnist", subset, "Fashion-MNIST, the first " + Datasets.DEMO_TRAIN + " / "
            + Datasets.DEMO_TEST + " images that ship with vant in " + subset
            + " (the full set: apt-get install dataset-fashion-mnist)");
      }
      return new DemoData("synthetic", null, "the built-in synthetic images (Fashion-MNIST is neither installed nor"
          + " shipped next to this jar: apt-get install dataset-fashion-mnist, or --data DIR)");
    }
  }

  /** The three runs, in report order. */
  static final List<String> KEYS = List.of("none", "nt", "vant");

  @Override
  public Integer call() throws Exception {
    DeviceOption.math(math); // a bad --math is a usage error before anything is written
    if (!(sigmaTrain > 0)) throw new UsageException("--sigma-train must be > 0, got " + sigmaTrain);
    if (repeats < 1) throw new UsageException("--repeats must be >= 1, got " + repeats);
    if (rampEpochs != null && rampEpochs < 0) throw new UsageException("--ramp-epochs must be >= 0, got " + rampEpochs);
    if (batch != null && batch < 1) throw new UsageException("--batch must be >= 1, got " + batch);
    if (epochs != null && epochs < 1) throw new UsageException("--epochs must be >= 1, got " + epochs);
    if (data != null && !Files.isDirectory(data)) throw new UsageException("--data " + data + ": no such folder");
    int nThreads = threads == null ? 0 : threads;
    double[] grid;
    try {
      grid = SigmaGrid.parse(sigmas != null ? sigmas : "paper");
    } catch (IllegalArgumentException e) {
      throw new UsageException("--sigmas: " + e.getMessage());
    }
    if (grid[0] != 0) throw new UsageException("--sigmas must start at 0 (the clean point nAUC divides by)");

    DemoData src = DemoData.choose(data, synthetic, Datasets.fashionMnistInstalled(), Datasets.demoSubset());
    System.out.println("data: " + src.description());
    String dataset = src.dataset();
    Path dataDir = src.dir();

    Files.createDirectories(out);
    Map<String, Object> summary = new LinkedHashMap<>();
    List<RobustnessCurve> curves = new ArrayList<>();
    boolean drawn = true;
    long t0 = System.nanoTime();
    try (Backend backend = DeviceOption.open(device, nThreads, math)) {
      boolean gpu = backend.name().startsWith("cuda");
      summary.put("backend", backend.name());
      summary.put("math", DeviceOption.mathOf(backend));
      summary.put("dataset", dataset);
      summary.put("sigmas", grid);
      Map<String, Object> models = new LinkedHashMap<>();
      Datasets.Splits d = null; // the three runs differ only in their noise: read the data once
      for (String key : KEYS) {
        TrainConfig cfg = config(key, dataset, dataDir, gpu, nThreads);
        cfg.math = DeviceOption.mathOf(backend);
        if (d == null) d = TrainCommand.loadData(cfg);
        RobustnessCurve curve;
        List<EpochMetrics> history;
        try (Trainer t = new Trainer(cfg, d, backend, System.out)) {
          history = t.fit(Path.of(cfg.out), false);
          System.out.printf("evaluating %s over %d sigmas x %d repeats ...%n", key, grid.length, repeats);
          curve = t.evaluator().curve(key, grid, repeats, null);
        }
        Path run = Path.of(cfg.out);
        RobustnessFiles.writeJson(run.resolve("robustness.json"), curve, null, Map.of("demo", key));
        RobustnessFiles.writeCsv(run.resolve("robustness.csv"), curve, null);
        RobustnessCurve drawnCurve = curve;
        drawn &= Plots.orWarn(() -> RobustnessPlots.curve(drawnCurve, out.resolve(key + ".png"), "demo: " + key));
        curves.add(curve);
        models.put(key, entry(cfg, d, curve, history));
      }
      summary.put("models", models);
    }
    summary.put("seconds", (System.nanoTime() - t0) / 1e9);
    drawn &= Plots.orWarn(() -> RobustnessPlots.compare(curves, out.resolve("compare.png"), "demo: accuracy under inference noise"));
    AtomicFiles.writeString(out.resolve("summary.json"),
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary) + "\n");
    System.out.println();
    System.out.print(CompareCommand.table(curves, null));
    System.out.printf(Locale.ROOT, "%nreport: %s (summary.json, %s; run folders none/ nt/ vant/)  %.0f s%n",
        out, drawn ? "compare.png, none.png, nt.png, vant.png" : "no plots: see the warnings", (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  /** The settings of one of the three runs: identical but for the noise schedule. */
  TrainConfig config(String key, String dataset, Path dataDir, boolean gpu, int nThreads) {
    TrainConfig c = new TrainConfig();
    c.model = model != null ? model : gpu ? "resnet18" : "lenet5";
    c.dataset = dataset;
    c.data = dataDir == null ? null : dataDir.toString();
    c.limit = limit != null ? limit : gpu ? null : Datasets.DEMO_TRAIN;
    c.testLimit = testLimit != null ? testLimit : gpu ? null : Datasets.DEMO_TEST;
    c.epochs = epochs != null ? epochs : gpu ? 10 : 4;
    int ramp = rampEpochs != null ? rampEpochs : Math.max(1, Math.round(c.epochs / 4f));
    c.rampEpochs = key.equals("none") ? 0 : Math.min(ramp, c.epochs);
    c.batch = batch != null ? batch : gpu ? 128 : 32;
    c.seed = seed;
    c.device = device;
    c.threads = nThreads > 0 ? nThreads : c.threads;
    c.noise = key;
    c.sigmaTrain = key.equals("none") ? 0f : sigmaTrain;
    c.out = out.resolve(key).toString();
    return c.validate();
  }

  private static Map<String, Object> entry(TrainConfig cfg, Datasets.Splits d, RobustnessCurve c, List<EpochMetrics> history) {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> training = new LinkedHashMap<>();
    training.put("model", cfg.model);
    training.put("dataset", cfg.dataset);
    training.put("train_images", d.train().size()); // what was read: --limit past the data's size reads all of it
    training.put("test_images", d.test().size());
    training.put("epochs", cfg.epochs);
    training.put("batch", cfg.batch);
    training.put("optimizer", cfg.optimizer + " lr " + cfg.lr + " " + cfg.lrSchedule + " wd " + cfg.weightDecay);
    training.put("noise", cfg.noise);
    training.put("sigma_train", cfg.sigmaTrain);
    training.put("ramp_epochs", cfg.rampEpochs);
    if (cfg.noise.equals("vant")) {
      training.put("alpha", cfg.alpha);
      training.put("theta", cfg.thetaValue());
    }
    training.put("seed", cfg.seed);
    m.put("training", training);
    m.put("clean_accuracy", c.clean());
    m.put("accuracy_mean", c.mean());
    m.put("accuracy_std", c.std());
    m.put("nAUC", RobustnessFiles.naucOrNull(c));
    m.put("AUC", c.auc());
    m.put("final_train_loss", history.isEmpty() ? null : history.get(history.size() - 1).loss());
    return m;
  }
}
