package dev.vant.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.vant.backend.cpu.FastBackend;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The CPU peer: one whole training step of the paper's ResNet-18 (forward with noise, softmax
 * cross-entropy, backward, Adam lr 1e-3 wd 1e-4) on 3x32x32 inputs, in vant ({@link TrainStep} on the
 * fast CPU backend, OpenBLAS GEMMs) and in DJL 0.34 with the PyTorch 2.7.1 CPU engine (libtorch from the
 * pytorch-native-cpu jar on the classpath, loaded offline: {@code -Dai.djl.offline=true}), both in the
 * same JMH run on the same cores. Noise: none, NT (sigma 1.0), VANT (sigma_i = 0.45 + 0.45 |z_i|).
 * Run with bench/cpu-suite.sh (SampleTime: every step timed; the suite reports median and minimum).
 *
 * <p>Batch 32, not the paper's 128: on 2 shared cores one ResNet-18 step at batch 128 takes several
 * seconds per engine, too long for the suite's 15-minute budget; the architecture is the same on both
 * sides and on the GPU.
 *
 * <p>Differences that remain: DJL's Adam applies weight decay as PyTorch's Adam does (added to the
 * gradient), as vant does; DJL lays activations out NCHW, vant NHWC; the thread pools are each
 * engine's own (vant: one worker per core; libtorch: OpenMP, one thread per core by default).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuTrainStepBench {
  @Param({"vant", "djl"})
  public String engine;

  @Param({"none", "nt", "vant"})
  public String noise;

  @Param({"32"})
  public int batch;

  private static final int IMAGE = 32;

  // vant
  private FastBackend backend;
  private TrainStep vant;
  // DJL
  private NDManager manager;
  private Model model;
  private Trainer trainer;
  private DjlResNet.Level level;
  private NDArray[] xs, ys;
  private SplittableRandom rnd;
  private int step;

  @Setup(Level.Trial)
  public void setup() {
    TrainStep.Mode mode = TrainStep.Mode.parse(noise);
    if (engine.equals("vant")) {
      backend = new FastBackend(Runtime.getRuntime().availableProcessors());
      vant = new TrainStep(backend, "resnet18", batch, IMAGE, mode);
      return;
    }
    Engine e = Engine.getEngine("PyTorch");
    manager = e.newBaseManager(Device.cpu());
    level = new DjlResNet.Level();
    model = Model.newInstance("resnet18-noisy", Device.cpu(), "PyTorch");
    model.setBlock(DjlResNet.resnet18(level, 10));
    DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
        .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).optWeightDecays(1e-4f).build())
        .optDevices(new Device[] {Device.cpu()});
    trainer = model.newTrainer(cfg);
    trainer.initialize(new Shape(batch, 3, IMAGE, IMAGE));
    rnd = new SplittableRandom(11);
    xs = new NDArray[4];
    ys = new NDArray[4];
    for (int i = 0; i < 4; i++) {
      float[] x = new float[batch * 3 * IMAGE * IMAGE];
      for (int j = 0; j < x.length; j++) x[j] = (float) (rnd.nextDouble() * 2 - 1);
      long[] y = new long[batch];
      for (int j = 0; j < batch; j++) y[j] = rnd.nextInt(10);
      xs[i] = manager.create(x, new Shape(batch, 3, IMAGE, IMAGE));
      ys[i] = manager.create(y);
    }
  }

  @Benchmark
  public float trainStep() {
    int s = step++;
    if (vant != null) {
      vant.run(s);
      return s % 8 == 7 ? vant.readLoss() : 0f;
    }
    try (NDManager sm = manager.newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
      switch (noise) {
        case "none" -> level.sigma = null;
        case "nt" -> level.sigma = sm.full(new Shape(batch), TrainStep.SIGMA_TRAIN);
        default -> level.sigma = sm.randomNormal(new Shape(batch)).abs().mul(0.45f * TrainStep.SIGMA_TRAIN).add(0.45f * TrainStep.SIGMA_TRAIN);
      }
      NDArray x = xs[s % 4].duplicate();
      x.attach(sm);
      NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
      NDArray loss = trainer.getLoss().evaluate(new NDList(ys[s % 4]), new NDList(logits));
      gc.backward(loss);
      trainer.step();
      float l = loss.getFloat();
      level.sigma = null;
      return l;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (vant != null) {
      vant.close();
      backend.close();
    }
    if (trainer != null) {
      trainer.close();
      model.close();
      manager.close();
    }
  }

  /** Trainable parameters of the model under test (both sides must have the paper's 11,177,866). */
  long parameterCount() {
    if (vant != null) return vant.model().parameterCount();
    long n = 0;
    for (var p : model.getBlock().getParameters().values()) {
      if (p.requiresGradient()) n += p.getArray().size();
    }
    return n;
  }

  /** Quick check outside JMH: a few steps of each engine and mode, with times. */
  public static void main(String[] args) {
    for (String eng : args.length > 0 ? args[0].split(",") : new String[] {"djl", "vant"}) {
      for (String nz : new String[] {"none", "nt", "vant"}) {
        CpuTrainStepBench b = new CpuTrainStepBench();
        b.engine = eng;
        b.noise = nz;
        b.batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        b.setup();
        System.out.println(eng + " parameters: " + b.parameterCount());
        float l = 0;
        for (int i = 0; i < 3; i++) {
          long t0 = System.nanoTime();
          l = b.trainStep();
          System.out.printf("%s %s step %d: %.0f ms, loss %.4f%n", eng, nz, i, (System.nanoTime() - t0) / 1e6, l);
        }
        b.tearDown();
      }
    }
  }
}
