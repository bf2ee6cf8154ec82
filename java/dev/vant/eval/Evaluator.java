package dev.vant.eval;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.data.Batch;
import dev.vant.data.DataLoader;
import dev.vant.data.Dataset;
import dev.vant.data.Normalization;
import dev.vant.nn.Model;
import dev.vant.nn.NoiseContext;
import dev.vant.nn.NoiseOperator;
import dev.vant.nn.SoftmaxCrossEntropy;
import dev.vant.noise.InferenceTrace;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Accuracy of a trained model on a test set under inference noise (DESIGN.md §1, Evaluation):
 * BatchNorm in inference mode, a level for all samples and layers, noise redrawn per batch.
 *
 * <p><b>Noise streams.</b> Evaluation draws from the run's noise seed at step numbers disjoint from
 * training (which uses steps below 2^31): repeat r, batch b uses step {@code 2^31 + r * 2^20 + b}. Every
 * sigma of a grid reuses the same streams (common random numbers), so the points of one repeat differ
 * only by their level and the curve is smooth.
 */
public final class Evaluator {
  /** First evaluation step; training steps stay below it. */
  public static final int EVAL_STEP_BASE = 0x80000000;
  private static final int BATCHES_PER_REPEAT = 1 << 20;

  private final Model model;
  private final Dataset test;
  private final Normalization norm;
  private final int batchSize;
  private final long seed;
  private final Noise.Type type;

  /**
   * @param seed the run's noise seed
   * @param type noise formula at inference (the one the model was trained with, usually additive)
   */
  public Evaluator(Model model, Dataset test, Normalization norm, int batchSize, long seed, Noise.Type type) {
    if (test.size() == 0) throw new IllegalArgumentException("evaluation: test set " + test.name() + " is empty");
    this.model = model;
    this.test = test;
    this.norm = norm;
    this.batchSize = batchSize;
    this.seed = seed;
    this.type = type;
  }

  /** The step of batch {@code b} in repeat {@code r}. */
  public static int evalStep(int repeat, int batch) {
    if (repeat < 0 || repeat >= 2048 || batch < 0 || batch >= BATCHES_PER_REPEAT) {
      throw new IllegalArgumentException("evaluation: repeat " + repeat + " / batch " + batch + " out of range (2048 repeats, 2^20 batches)");
    }
    return EVAL_STEP_BASE + repeat * BATCHES_PER_REPEAT + batch;
  }

  /** Accuracy (0..1) at level {@code sigma} in repeat {@code repeat}; sigma 0 is the clean accuracy. */
  public double accuracy(double sigma, int repeat) {
    return run(repeat, b -> sigma, null, null).accuracy;
  }

  /** Accuracy with only noise operator {@code operator} active, at {@code sigma}. */
  public double accuracyOnly(int operator, double sigma, int repeat) {
    return run(repeat, b -> sigma, operator, null).accuracy;
  }

  /**
   * The robustness curve: accuracy mean and spread over {@code repeats} noise seeds for each sigma of
   * {@code grid}. {@code progress} (may be null) is told after each evaluated point.
   */
  public RobustnessCurve curve(String label, double[] grid, int repeats, Runnable progress) {
    SigmaGrid.validate(grid, "sigma grid");
    if (repeats < 1) throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
    double[][] acc = new double[grid.length][repeats]; // [sigma][repeat], as RobustnessCurve.of takes it
    for (int r = 0; r < repeats; r++) {
      for (int i = 0; i < grid.length; i++) {
        // sigma 0 has no noise: its repeats are identical, so evaluate it once.
        acc[i][r] = grid[i] == 0 && r > 0 ? acc[i][0] : accuracy(grid[i], r);
        if (progress != null) progress.run();
      }
    }
    return RobustnessCurve.of(label, grid, acc);
  }

  /**
   * Accuracy over deployment time under a fluctuating trace: the test set is walked {@code passes}
   * times; batch t (counted over all passes) sees {@code trace.levels(t, n)}.
   */
  public TraceCurve trace(String spec, int repeats, int passes, long traceSeed) {
    double[][] sig = new double[repeats][], acc = new double[repeats][];
    for (int r = 0; r < repeats; r++) {
      InferenceTrace trace = InferenceTrace.parse(spec, traceSeed + r);
      List<Double> s = new ArrayList<>(), a = new ArrayList<>();
      int batches = (test.size() + batchSize - 1) / batchSize;
      for (int p = 0; p < passes; p++) {
        run(r, null, null, (b, n, correct, levels) -> {
          double m = 0;
          for (int i = 0; i < n; i++) m += levels[i];
          s.add(m / n);
          a.add(correct / (double) n);
        }, trace, p * batches);
      }
      sig[r] = s.stream().mapToDouble(Double::doubleValue).toArray();
      acc[r] = a.stream().mapToDouble(Double::doubleValue).toArray();
    }
    return TraceCurve.of(spec, sig, acc);
  }

  /** Per-operator sensitivity: accuracy when only that operator adds noise at {@code sigma}. */
  public List<Sensitivity> layerwise(double sigma, int repeats) {
    List<Sensitivity> out = new ArrayList<>();
    double clean = accuracy(0, 0);
    for (NoiseOperator op : model.noiseOperators()) {
      double sum = 0;
      for (int r = 0; r < repeats; r++) sum += accuracyOnly(op.id(), sigma, r);
      double a = sum / repeats;
      out.add(new Sensitivity(op.id(), op.name(), sigma, a, clean - a));
    }
    return out;
  }

  /** One operator's result of {@link #layerwise}. */
  public record Sensitivity(int operator, String name, double sigma, double accuracy, double drop) {}

  private interface BatchSink {
    void accept(int batch, int n, int correct, float[] levels);
  }

  private record Outcome(double accuracy) {}

  private interface Level {
    double at(int batch);
  }

  private Outcome run(int repeat, Level level, Integer onlyOperator, BatchSink sink) {
    return run(repeat, level, onlyOperator, sink, null, 0);
  }

  /** The per-batch host count of {@link #accuracy}: the path traces take, for tests that compare the two. */
  double accuracyCountedOnHost(double sigma, int repeat) {
    return run(repeat, b -> sigma, null, (batch, n, correct, levels) -> {}).accuracy;
  }

  /**
   * Without a sink the correct answers are counted on the backend by the loss kernel's statistics and summed
   * there ({@link SoftmaxCrossEntropy#accumulate}), read once at the end: no device-to-host read per batch.
   * (The batch uploads are still pageable copies, which order each batch after the previous one on a GPU.)
   * A sink needs each batch's count, so then the logits come back batch by batch.
   */
  private Outcome run(int repeat, Level level, Integer onlyOperator, BatchSink sink, InferenceTrace trace, int t0) {
    Backend be = model.backend();
    model.eval();
    DataLoader loader = DataLoader.evaluation(test, norm, batchSize);
    long correct = 0, seen = 0;
    int operators = model.noiseOperators().size();
    try (DataLoader.Epoch it = loader.epoch(0);
         SoftmaxCrossEntropy counter = sink == null ? new SoftmaxCrossEntropy(be) : null;
         Tensor sums = sink == null ? be.zeros(2) : null) {
      while (it.hasNext()) {
        Batch b = it.next();
        int n = b.n();
        float[] levels = trace != null ? trace.levels(t0 + b.index(), n) : null;
        float scalar = trace != null ? levels[0] : (float) level.at(b.index());
        boolean perSample = trace != null && trace.perSample();
        try (Tensor x = be.fromHost(b.x(), b.shape());
             Tensor sigma = perSample ? be.fromHost(levels, n) : null) {
          NoiseContext.Builder cb = NoiseContext.builder().seed(seed).step(evalStep(repeat, t0 + b.index()));
          if (perSample) cb.type(type).sigmaPerSample(sigma);
          else if (scalar > 0) cb.type(type).sigma(scalar);
          else cb.type(Noise.Type.NONE);
          if (onlyOperator != null) cb.only(onlyOperator, operators);
          Tensor logits = model.forward(x, cb.build());
          seen += n;
          if (sink == null) {
            float[] labels = new float[n];
            for (int i = 0; i < n; i++) labels[i] = b.y()[i];
            try (Tensor y = be.fromHost(labels, n)) {
              counter.compute(logits, y);
              counter.accumulate(sums);
            }
          } else {
            int c = countCorrect(be.toHost(logits), b.y(), n, logits.dim(1));
            correct += c;
            if (levels == null) {
              levels = new float[n];
              java.util.Arrays.fill(levels, scalar);
            }
            sink.accept(b.index(), n, c, levels);
          }
        }
      }
      // The sum of per-batch counts (each <= batch size) is exact in float up to 2^24 images.
      if (sums != null) correct = Math.round(be.toHost(sums)[1]);
    }
    return new Outcome(correct / (double) seen);
  }

  /** Correct argmax predictions (first maximum on ties, as the backends' loss stats count them). */
  static int countCorrect(float[] logits, int[] labels, int n, int classes) {
    int c = 0;
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
      if (best == labels[i]) c++;
    }
    return c;
  }
}
