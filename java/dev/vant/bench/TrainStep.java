package dev.vant.bench;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.backend.StepGraph;
import dev.vant.backend.StepScalars;
import dev.vant.nn.Model;
import dev.vant.nn.Models;
import dev.vant.nn.NoiseContext;
import dev.vant.nn.SoftmaxCrossEntropy;
import dev.vant.noise.NoiseSchedule;
import dev.vant.noise.StepLevels;
import dev.vant.optim.Adam;
import dev.vant.tensor.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One whole training step of the benchmarks — forward with the schedule's noise, softmax cross-entropy,
 * backward, Adam (lr 1e-3, weight decay 1e-4, the paper's recipe) — on random images and labels that
 * rotate over a few fixed batches, as the trainer's loop does it but without a data loader (the loader
 * is not what is measured). The loss is not read back each step ({@link #run}); {@link #readLoss} reads
 * it when the caller wants a sync point and a sanity check.
 *
 * <p>With {@code cudaGraph} (the trainer's {@code --cuda-graph on}) the step is recorded once as a CUDA graph
 * after two op-by-op steps and replayed from then on; the rotating batch is first copied on the device into
 * the fixed input buffers the graph reads (the trainer uploads from the host there instead).
 */
public final class TrainStep implements AutoCloseable {
  /** Noise setting of the benchmarks: none, NT (sigma 1.0) or VANT (sigma 1.0, alpha 0.45, theta 0.45). */
  public enum Mode {
    NONE, NT, VANT;

    /** Lower-case name as the CLI and the reports spell it. */
    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The benchmark's schedule for this mode (no ramp: VANT draws per-sample levels from step 0). */
    public NoiseSchedule schedule() {
      return switch (this) {
        case NONE -> NoiseSchedule.none();
        case NT -> NoiseSchedule.nt(Noise.Type.ADDITIVE, SIGMA_TRAIN, 0);
        case VANT -> NoiseSchedule.vant(Noise.Type.ADDITIVE, SIGMA_TRAIN, 0.45f, 0.45f, 0, false);
      };
    }

    /** Parses none / nt / vant (case-insensitive). */
    public static Mode parse(String s) {
      return switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "none" -> NONE;
        case "nt" -> NT;
        case "vant" -> VANT;
        default -> throw new IllegalArgumentException("unknown noise mode '" + s + "' (expected none, nt or vant)");
      };
    }
  }

  /** sigma_train of the NT and VANT benchmark modes (the PyTorch peer uses the same). */
  public static final float SIGMA_TRAIN = 1.0f;
  private static final int ROTATE = 4;
  private static final long SEED = 7;

  private final Backend b;
  private final Model model;
  private final Adam adam;
  private final SoftmaxCrossEntropy loss;
  private final NoiseSchedule schedule;
  private final Tensor[] xs = new Tensor[ROTATE];
  private final Tensor[] ys = new Tensor[ROTATE];
  private final Tensor sigma;
  private final int batch;
  private int lastStep = -1;
  private final boolean cudaGraph;
  private Tensor xIn, yIn; // fixed inputs of the recorded step (cudaGraph only)
  private StepGraph graph;
  private int eager;

  /**
   * @param model "resnet18" (the paper's ResNet-18) or "resnet20"
   * @param image input height = width (3 channels, 10 classes)
   */
  public TrainStep(Backend b, String model, int batch, int image, Mode mode) {
    this(b, model, batch, image, mode, false);
  }

  /** As above; {@code cudaGraph} records the step as a CUDA graph and replays it (needs {@link Backend#canCaptureSteps()}). */
  public TrainStep(Backend b, String model, int batch, int image, Mode mode, boolean cudaGraph) {
    if (cudaGraph && !b.canCaptureSteps()) throw new IllegalArgumentException("train step: " + b.name() + " cannot record CUDA graphs");
    this.cudaGraph = cudaGraph;
    if (batch < 1) throw new IllegalArgumentException("train step: batch must be >= 1, got " + batch);
    if (image < 1) throw new IllegalArgumentException("train step: image size must be >= 1, got " + image);
    this.b = b;
    this.batch = batch;
    this.schedule = mode.schedule();
    Model.Builder mb = switch (model) {
      case "resnet18" -> Models.resnet18(3, image, image, 10);
      case "resnet20" -> Models.resnet20(3, image, image, 10);
      default -> throw new IllegalArgumentException("train step: unknown model '" + model + "' (expected resnet18 or resnet20)");
    };
    this.model = mb.build(b, 1);
    this.model.train();
    this.adam = Adam.builder().lr(1e-3f).weightDecay(1e-4f).build(this.model);
    this.loss = new SoftmaxCrossEntropy(b);
    SplittableRandom rnd = new SplittableRandom(11);
    for (int i = 0; i < ROTATE; i++) {
      float[] x = new float[batch * image * image * 3];
      float[] y = new float[batch];
      for (int j = 0; j < x.length; j++) x[j] = (float) (rnd.nextDouble() * 2 - 1);
      for (int j = 0; j < batch; j++) y[j] = rnd.nextInt(10);
      xs[i] = b.fromHost(x, batch, image, image, 3);
      ys[i] = b.fromHost(y, batch);
    }
    this.sigma = b.zeros(batch);
    if (cudaGraph) {
      xIn = b.zeros(batch, image, image, 3);
      yIn = b.zeros(batch);
    }
  }

  /** The model (for its parameter count and architecture name). */
  public Model model() {
    return model;
  }

  public int batch() {
    return batch;
  }

  /** Launches (or runs, on the CPU) training step {@code step}; reads nothing back to the host. */
  public void run(int step) {
    int i = Math.floorMod(step, ROTATE);
    if (!cudaGraph) {
      body(step, xs[i], ys[i]);
    } else {
      b.copy(xs[i], xIn);
      b.copy(ys[i], yIn);
      StepScalars s = new StepScalars(step, adam.lr(), adam.steps() + 1);
      if (graph != null) {
        graph.replay(s);
        adam.countReplayedStep();
      } else if (eager >= 2) {
        graph = b.captureStep(s, () -> body(step, xIn, yIn));
      } else {
        body(step, xIn, yIn);
        eager++;
      }
    }
    lastStep = step;
  }

  private void body(int step, Tensor x, Tensor y) {
    StepLevels lv = schedule.levels(0, step);
    NoiseContext.Builder cb = NoiseContext.builder().seed(SEED).step(step);
    if (!lv.enabled()) {
      cb.type(Noise.Type.NONE);
    } else if (lv.perSample()) {
      lv.fill(b, SEED, sigma);
      cb.type(lv.type()).sigmaPerSample(sigma);
    } else {
      cb.type(lv.type()).sigma(lv.scalar(SEED));
    }
    Tensor logits = model.forward(x, cb.build());
    loss.compute(logits, y);
    model.backward(loss.gradient());
    adam.step();
  }

  /**
   * Reads the last step's loss (a host sync on a GPU).
   *
   * @throws ArithmeticException when it is not finite
   */
  public float readLoss() {
    if (lastStep < 0) throw new IllegalStateException("train step: no step has run yet");
    return loss.read(lastStep).loss();
  }

  @Override
  public void close() {
    for (Tensor t : xs) t.close();
    for (Tensor t : ys) t.close();
    sigma.close();
    if (graph != null) graph.close();
    if (xIn != null) xIn.close();
    if (yIn != null) yIn.close();
    loss.close();
    adam.close();
    model.close();
  }
}
