package dev.vant.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.backend.StepGraph;
import dev.vant.backend.StepScalars;
import dev.vant.data.Augment;
import dev.vant.data.Batch;
import dev.vant.data.DataLoader;
import dev.vant.data.Datasets;
import dev.vant.io.AtomicFiles;
import dev.vant.eval.Evaluator;
import dev.vant.io.Checkpoint;
import dev.vant.nn.Counter;
import dev.vant.nn.Model;
import dev.vant.nn.NoiseContext;
import dev.vant.nn.SoftmaxCrossEntropy;
import dev.vant.noise.NoiseSchedule;
import dev.vant.noise.StepLevels;
import dev.vant.optim.Adam;
import dev.vant.optim.LrSchedule;
import dev.vant.optim.Optimizer;
import dev.vant.optim.Sgd;
import dev.vant.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code vant train}: trains one model under one noise schedule and writes a run folder:
 * {@code config.json} (everything needed to rerun), {@code metrics.jsonl} (one line per epoch) and
 * {@code checkpoint.safetensors} (model, optimizer, step, seeds), both rewritten atomically after every
 * epoch, so a stopped run can be resumed from its last finished epoch.
 *
 * <p><b>Reproducibility.</b> Everything random is a function of the seed: the initial weights (init seed),
 * the order and augmentation of the batches (data seed, per epoch), the noise and the VANT levels
 * (noise seed, per global step). The learning rate is a function of the global step (cosine annealing
 * per step over the whole run, after an optional linear warm-up). A resumed run therefore repeats exactly
 * what the uninterrupted run would have done; on the CPU backends it ends bit-identical.
 *
 * <p><b>CUDA graphs</b> ({@code --cuda-graph on}). A step's launches are recorded once per batch size and
 * noise setting ({@link Backend#captureStep}) and then replayed: per step the host uploads the batch into
 * fixed device buffers, rewrites the 16-byte step state (step, lr, Adam's bias corrections) and launches
 * the graph. The first {@link #EAGER_BEFORE_CAPTURE} steps of each batch size run op by op, so the memory
 * pool holds every buffer the step needs (no allocation may happen inside a capture), and so does SGD's
 * first step. The numbers are bit-identical to the op-by-op run. A step that cannot be recorded (an op
 * that copies to the host, allocates, or draws noise at another step) fails the run naming the op: graph
 * mode never falls back silently.
 */
public final class Trainer implements AutoCloseable {
  static final String CONFIG = "config.json";
  static final String METRICS = "metrics.jsonl";
  static final String CHECKPOINT = "checkpoint.safetensors";

  private final TrainConfig cfg;
  private final Datasets.Splits data;
  private final Backend backend;
  private final PrintStream log;
  private final Model model;
  private final Optimizer optimizer;
  private final NoiseSchedule schedule;
  private final DataLoader loader;
  private final LrSchedule lr;
  private final long noiseSeed;
  private final Noise.Type noiseType;

  /** Builds the model and optimizer on {@code backend} from {@code cfg} (already validated). */
  public Trainer(TrainConfig cfg, Datasets.Splits data, Backend backend, PrintStream log) {
    this.cfg = cfg;
    this.data = data;
    this.backend = backend;
    this.log = log;
    var train = data.train();
    if (train.size() < cfg.batch) {
      throw new IllegalArgumentException("--batch " + cfg.batch + " is larger than the " + train.size()
          + " training images of " + data.name());
    }
    this.model = ModelFactory.builder(cfg, train.channels(), train.height(), train.width(), train.numClasses())
        .build(backend, seeds(cfg.seed).get("init"));
    this.optimizer = cfg.optimizer.equals("sgd")
        ? Sgd.builder().lr(cfg.lr).momentum(cfg.momentum).weightDecay(cfg.weightDecay).nesterov(cfg.nesterov).build(model)
        : Adam.builder().lr(cfg.lr).weightDecay(cfg.weightDecay).build(model);
    this.noiseType = dev.vant.noise.NoiseSchedule.parseType(cfg.noiseType);
    this.schedule = switch (cfg.noise) {
      case "nt" -> NoiseSchedule.nt(noiseType, cfg.sigmaTrain, cfg.rampEpochs);
      case "vant" -> NoiseSchedule.vant(noiseType, cfg.sigmaTrain, cfg.alpha, cfg.thetaValue(), cfg.rampEpochs,
          cfg.vantPer.equals("epoch"));
      default -> NoiseSchedule.none();
    };
    Augment aug = cfg.augment ? data.augment() : Augment.NONE;
    this.loader = new DataLoader(train, data.normalization(), cfg.batch, true, aug, seeds(cfg.seed).get("data"), true, 2);
    long steps = (long) cfg.epochs * loader.batches();
    long warm = (long) cfg.warmupEpochs * loader.batches();
    LrSchedule main = cfg.lrSchedule.equals("cosine") ? LrSchedule.cosine(cfg.lr, Math.max(1, steps - warm), 0)
        : LrSchedule.constant(cfg.lr);
    this.lr = warm > 0 ? LrSchedule.warmup(warm, main) : main;
    this.noiseSeed = seeds(cfg.seed).get("noise");
  }

  /** The seeds a run derives from {@code --seed}, as stored in its checkpoint. */
  public static Map<String, Long> seeds(long seed) {
    Map<String, Long> s = new LinkedHashMap<>();
    s.put("init", seed);
    s.put("data", seed ^ 0x5DEECE66DL);
    s.put("noise", seed);
    return s;
  }

  public Model model() {
    return model;
  }

  public NoiseSchedule schedule() {
    return schedule;
  }

  /**
   * Trains into {@code out}. With {@code resume}, continues from {@code out/checkpoint.safetensors}
   * (the config must be the run's own {@code config.json}).
   *
   * @return the metrics of every epoch (earlier ones read back when resuming)
   */
  public List<EpochMetrics> fit(Path out, boolean resume) throws IOException {
    return fit(out, resume, Integer.MAX_VALUE);
  }

  /**
   * As {@link #fit(Path, boolean)}, but stops after epoch {@code stopAfter} (1-based) as if the process
   * had been killed there: what a later {@code --resume} continues from.
   */
  public List<EpochMetrics> fit(Path out, boolean resume, int stopAfter) throws IOException {
    Files.createDirectories(out);
    List<EpochMetrics> history = new ArrayList<>();
    int start = 0;
    if (resume) {
      Path ckpt = out.resolve(CHECKPOINT);
      if (!Files.isRegularFile(ckpt)) throw new IOException(ckpt + ": no checkpoint to resume from");
      Checkpoint.Info info = Checkpoint.load(ckpt, model, optimizer);
      if (info.step() % loader.batches() != 0) {
        throw new IOException(ckpt + ": step " + info.step() + " is not at an epoch boundary of " + loader.batches() + " batches");
      }
      start = (int) (info.step() / loader.batches());
      history.addAll(EpochMetrics.read(out.resolve(METRICS), start));
      log.printf("resuming %s at epoch %d of %d (step %d)%n", out, start + 1, cfg.epochs, info.step());
    }
    AtomicFiles.writeString(out.resolve(CONFIG), cfg.toJson() + "\n");
    log.printf("training %s (%,d parameters, %d noise sites) on %s [%d train / %d test] with %s, %s, %s%n",
        cfg.model, model.parameterCount(), model.noiseSites().size(), data.name(), data.train().size(),
        data.test().size(), backend.name(), schedule.describe(), cfg.optimizer);
    try (SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(backend);
         Tensor statSum = backend.zeros(2); // one buffer for the whole run: recorded steps accumulate into it
         Recorder rec = graphs() ? new Recorder() : null) {
      for (int epoch = start; epoch < Math.min(cfg.epochs, stopAfter); epoch++) {
        backend.fill(statSum, 0f);
        EpochMetrics m = epoch(epoch, loss, statSum, rec);
        history.add(m);
        // Metrics first: a crash between the two leaves one metrics line too many, which a resume
        // ignores (it reads only the checkpoint's epochs), never one too few.
        EpochMetrics.write(out.resolve(METRICS), history);
        Checkpoint.save(out.resolve(CHECKPOINT), model, optimizer, (long) (epoch + 1) * loader.batches(), seeds(cfg.seed));
        log.println(m.line(cfg.epochs));
      }
    }
    return history;
  }

  /** Steps between reads of the loss statistics: on a GPU each read is a synchronization. */
  static final int READ_EVERY = 20;

  /**
   * Whether the step is recorded as a CUDA graph: --cuda-graph on, or auto (the default) on a backend that can record
   * (the GPU: on an H200 the replayed ResNet-18 step took 6.4 ms against 7.8 ms op by op, and the host 0.13 ms
   * against 7.5 ms; bench/results/2026-11-28-gpu-speed.md).
   */
  private boolean graphs() {
    return cfg.cudaGraph.equals("on") || (cfg.cudaGraph.equals("auto") && backend.canCaptureSteps());
  }

  private EpochMetrics epoch(int epoch, SoftmaxCrossEntropy loss, Tensor statSum, Recorder rec) {
    long t0 = System.nanoTime();
    model.train();
    double sigSum = 0, sigSq = 0;
    float sigMin = Float.POSITIVE_INFINITY, sigMax = 0;
    long seen = 0;
    int batches = loader.batches();
    float[] sums = new float[2]; // {sum of batch-mean losses, correct} since the epoch began
    int done = 0, readAt = 0;
    try (DataLoader.Epoch it = loader.epoch(epoch);
         Progress bar = Progress.start(log, "epoch " + (epoch + 1) + "/" + cfg.epochs, (long) batches * cfg.batch)) {
      while (it.hasNext()) {
        Batch b = it.next();
        int step = epoch * batches + b.index();
        int n = b.n();
        StepLevels lv = schedule.levels(epoch, step);
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) labels[i] = b.y()[i];
        if (rec != null) {
          rec.step(b, labels, lv, step, loss, statSum);
        } else {
          try (Tensor x = backend.fromHost(b.x(), b.shape());
               Tensor y = backend.fromHost(labels, n);
               Tensor sigma = lv.perSample() ? backend.zeros(n) : null) {
            step(x, y, sigma, lv, step, loss, statSum);
          }
        }
        seen += n;
        done++;
        if (done % READ_EVERY == 0 || !it.hasNext()) {
          backend.toHost(statSum, sums);
          if (!Float.isFinite(sums[0])) {
            throw new ArithmeticException("training loss became " + sums[0] + " between steps " + (epoch * batches + readAt)
                + " and " + step + " (epoch " + (epoch + 1) + ")");
          }
          readAt = done;
          bar.step(n, String.format(java.util.Locale.ROOT, "loss %.4f", sums[0] / done));
        } else {
          bar.step(n, null);
        }
        float[] s = lv.enabled() ? lv.host(noiseSeed, n) : new float[n];
        for (float v : s) {
          sigSum += v;
          sigSq += (double) v * v;
          sigMin = Math.min(sigMin, v);
          sigMax = Math.max(sigMax, v);
        }
      }
    }
    double lossMean = sums[0] / done;
    long correct = Math.round(sums[1]);
    double trainSeconds = (System.nanoTime() - t0) / 1e9;
    Evaluator ev = evaluator();
    double clean = ev.accuracy(0, 0);
    double atSigma = schedule.sigmaTrain() > 0 ? ev.accuracy(schedule.sigmaTrain(), 0) : Double.NaN;
    double mean = sigSum / seen;
    return new EpochMetrics(epoch + 1, lossMean, correct / (double) seen, clean, schedule.sigmaTrain(), atSigma,
        mean, Math.sqrt(Math.max(0, sigSq / seen - mean * mean)), sigMin, sigMax, (float) lr.lr((long) epoch * batches),
        seen / trainSeconds, (System.nanoTime() - t0) / 1e9);
  }

  /** One training step on device tensors: forward with the step's noise, loss, backward, update. */
  private void step(Tensor x, Tensor y, Tensor sigma, StepLevels lv, int step, SoftmaxCrossEntropy loss, Tensor statSum) {
    NoiseContext.Builder cb = NoiseContext.builder().seed(noiseSeed).step(step);
    if (!lv.enabled()) cb.type(Noise.Type.NONE);
    else if (lv.perSample()) {
      lv.fill(backend, noiseSeed, sigma);
      cb.type(lv.type()).sigmaPerSample(sigma);
    } else cb.type(lv.type()).sigma(lv.scalar(noiseSeed));
    Tensor logits = model.forward(x, cb.build());
    loss.compute(logits, y);
    loss.accumulate(statSum); // stays on the device; read every READ_EVERY steps
    model.backward(loss.gradient());
    optimizer.setLr((float) lr.lr(step));
    optimizer.step();
  }

  /** Op-by-op steps of a batch size before its step is recorded (the pool then holds every buffer it needs). */
  static final int EAGER_BEFORE_CAPTURE = 2;

  /** Recorded steps, one per batch size (the full batches and the last partial batch of an epoch). */
  private final class Recorder implements AutoCloseable {
    /** Fixed inputs of one batch size and the recording that reads them. */
    private final class Slot {
      final Tensor x, y, sigma;
      StepLevels key; // the noise setting recorded (frozen into the graph: formula, level or draw parameters)
      int eager;      // op-by-op steps with this key so far
      StepGraph graph;
      long[] counterSteps; // what one recorded step adds to each host counter of the model (num_batches_tracked)

      Slot(int[] shape, int n) {
        x = backend.zeros(shape);
        y = backend.zeros(n);
        sigma = backend.zeros(n);
      }
    }

    private final Map<Integer, Slot> slots = new HashMap<>();
    private int captures, replays;

    void step(Batch b, float[] labels, StepLevels lv, int step, SoftmaxCrossEntropy loss, Tensor statSum) {
      int n = b.n();
      Slot s = slots.computeIfAbsent(n, k -> new Slot(b.shape(), n));
      // What a recording freezes: everything of the levels but the step of a per-sample draw (read from device
      // memory). A ramp epoch or a per-epoch VANT level therefore records anew.
      StepLevels key = lv.mode() == StepLevels.Mode.PER_SAMPLE ? new StepLevels(lv.type(), lv.mode(), lv.base(), lv.theta(), lv.site(), 0) : lv;
      if (!key.equals(s.key)) {
        if (s.graph != null) s.graph.close();
        s.graph = null;
        s.key = key;
        s.eager = 0;
      }
      backend.copyFromHost(b.x(), s.x);
      backend.copyFromHost(labels, s.y);
      float rate = (float) lr.lr(step);
      StepScalars sc = new StepScalars(step, rate, optimizer.steps() + 1);
      List<Counter> counters = model.counters();
      if (s.graph != null) {
        optimizer.setLr(rate);
        s.graph.replay(sc);
        // The host-side effects of a step, which a replay skips: the optimizer's count and BatchNorm's counters.
        optimizer.countReplayedStep();
        for (int i = 0; i < counters.size(); i++) counters.get(i).set(counters.get(i).get() + s.counterSteps[i]);
        replays++;
      } else if (s.eager >= EAGER_BEFORE_CAPTURE && optimizer.steps() > 0) {
        long[] before = counters.stream().mapToLong(Counter::get).toArray();
        try {
          s.graph = backend.captureStep(sc, () -> Trainer.this.step(s.x, s.y, s.sigma, lv, step, loss, statSum));
        } catch (RuntimeException e) {
          // Graph mode is the GPU default (--cuda-graph auto): say how to train without it.
          throw new IllegalStateException(e.getMessage() + " [recording training step " + step
              + " as a CUDA graph; --cuda-graph off trains op by op]", e);
        }
        s.counterSteps = new long[before.length];
        for (int i = 0; i < before.length; i++) s.counterSteps[i] = counters.get(i).get() - before[i];
        captures++;
      } else {
        Trainer.this.step(s.x, s.y, s.sigma, lv, step, loss, statSum);
        s.eager++;
      }
    }

    @Override
    public void close() {
      for (Slot s : slots.values()) {
        if (s.graph != null) s.graph.close();
        s.x.close();
        s.y.close();
        s.sigma.close();
      }
      slots.clear();
      if (captures > 0 || replays > 0) log.printf("cuda graphs: %d recorded, %d replayed steps%n", captures, replays);
    }
  }

  /** An evaluator of this run's model on the test split (additive noise of the training type). */
  public Evaluator evaluator() {
    return new Evaluator(model, data.test(), data.normalization(), Math.min(cfg.batch, 256), noiseSeed, evalType());
  }

  private Noise.Type evalType() {
    return noiseType;
  }

  /** The file names of a run folder. */
  public static Path checkpoint(Path run) {
    return run.resolve(CHECKPOINT);
  }

  public static Path config(Path run) {
    return run.resolve(CONFIG);
  }

  @Override
  public void close() {
    optimizer.close();
    model.close();
  }

  static ObjectMapper mapper() {
    return new ObjectMapper();
  }
}
