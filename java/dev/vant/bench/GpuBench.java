package dev.vant.bench;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.JoinInput;
import dev.vant.backend.Noise;
import dev.vant.backend.StatsHandoff;
import dev.vant.backend.MathMode;
import dev.vant.backend.cuda.CudaBackend;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.CudaEvent;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import jcuda.driver.CUdevice_attribute;

/**
 * The GPU benchmarks behind {@code vant bench} (DESIGN.md §6, issue 7): CUDA events, warm-up, median of
 * many samples, inputs rotated over enough sets to exceed the L2 cache three times, random data (never
 * zeros).
 * <ul>
 *   <li><b>kernels</b>: noisy conv2d forward at the paper's ResNet-18 conv shapes (batch 128, 3x32x32
 *       input: stem at 32x32, layer1 64@16x16 ... layer4 512@2x2, and the three stride-2 convs that open
 *       layers 2-4), the FC matmul and a 4096^3 matmul; each fused (noise in the epilogue), with noise
 *       off, and unfused (noise-free kernel, then the standalone noise kernel into a second tensor);
 *       time, TFLOP/s, share of the FP32 peak and the floor of {@link Roofline}. The noisy kernel and the same
 *       kernel with noise off are timed in alternating rounds ({@link EventTimer#pair}), and so are the fused and
 *       unfused forms of the fusion rows: their ratios, the numbers issue 8's targets are about, are the median of
 *       the rounds' ratios, which drift of clocks or machine during the run moves far less than two medians taken
 *       one after the other;</li>
 *   <li><b>training</b>: a whole ResNet-18 step ({@link TrainStep}; ResNet-20 with {@link Options#trainModel}) at batch
 *       128 and 512 with no noise,
 *       NT and VANT: device time per step (median over windows of back-to-back steps; the modes of a batch take
 *       turns window by window, and each noisy mode's ratio to the no-noise step is the median of the rounds'
 *       ratios), images/s, and the host time per step (the Java side's launch cost, measured with an idle device
 *       queue).</li>
 * </ul>
 * {@link Options#tiny()} shrinks every size (batch 2, 64^3) so the runner can be exercised on vant's CPU
 * emulation of the driver; such timings say nothing about a GPU.
 */
public final class GpuBench {
  /** Models of the training table: the paper's ResNet-18 (the PyTorch peer's), and ResNet-20 (small: checks on the emulator). */
  public static final List<String> TRAIN_MODELS = List.of("resnet18", "resnet20");

  /** Conv shapes of the kernel table (name, H = W of the input, C, K, stride), 3x3 pad 1. */
  static final Object[][] CONVS = {
      {"stem", 32, 3, 64, 1}, {"layer1", 16, 64, 64, 1}, {"layer2.down", 16, 64, 128, 2}, {"layer2", 8, 128, 128, 1},
      {"layer3.down", 8, 128, 256, 2}, {"layer3", 4, 256, 256, 1}, {"layer4.down", 4, 256, 512, 2}, {"layer4", 2, 512, 512, 1}};

  /**
   * Rows of the fusion table (name, H = W, C, K): the residual join reading bn2 (and the shortcut's BatchNorm) on
   * the fly, conv1's data gradient with the shortcut's gradient added in its epilogue, and a conv forward making the
   * next BatchNorm's statistics in its epilogue, at ResNet-18's shapes.
   */
  static final Object[][] FUSIONS = {
      {"join.layer1", 16, 64, 0}, {"join.layer2.down", 8, 128, 1}, {"join.layer4", 2, 512, 0},
      {"dgrad.layer1", 16, 64, 64}, {"dgrad.layer3", 4, 256, 256},
      {"bnstats.layer1", 16, 64, 64}, {"bnstats.layer2", 8, 128, 128}, {"bnstats.layer3", 4, 256, 256}};

  /**
   * What to run.
   *
   * @param tiny emulator sizes (batch 2, matmul 64^3, 8x8 training images)
   * @param warmup untimed launches per kernel
   * @param samples timed samples per kernel (median reported)
   * @param kernels run the kernel table
   * @param trainBatches batches of the training table (empty: no training table)
   * @param modes noise modes of the training table
   * @param trainWindows timed windows per training row (each of {@code trainWindowSteps} steps)
   * @param trainWindowSteps back-to-back steps per window
   * @param kernelFilter names of the kernel rows to run (e.g. "stem", "gemm4096"); empty: all
   * @param budgetSeconds wall-clock budget: once spent, the remaining training rows are skipped and the
   *     report says so (0: no budget)
   * @param cudaGraph training rows record the step as a CUDA graph and replay it ({@code --cuda-graph on})
   * @param trainModel model of the training rows, one of {@link #TRAIN_MODELS} ({@code --model})
   */
  public record Options(boolean tiny, int warmup, int samples, boolean kernels, List<Integer> trainBatches,
      List<TrainStep.Mode> modes, int trainWindows, int trainWindowSteps, List<String> kernelFilter, int budgetSeconds,
      boolean cudaGraph, String trainModel) {
    /** Training rows on the paper's ResNet-18. */
    public Options(boolean tiny, int warmup, int samples, boolean kernels, List<Integer> trainBatches,
        List<TrainStep.Mode> modes, int trainWindows, int trainWindowSteps, List<String> kernelFilter, int budgetSeconds,
        boolean cudaGraph) {
      this(tiny, warmup, samples, kernels, trainBatches, modes, trainWindows, trainWindowSteps, kernelFilter, budgetSeconds,
          cudaGraph, "resnet18");
    }

    /** Without CUDA graphs. */
    public Options(boolean tiny, int warmup, int samples, boolean kernels, List<Integer> trainBatches,
        List<TrainStep.Mode> modes, int trainWindows, int trainWindowSteps, List<String> kernelFilter, int budgetSeconds) {
      this(tiny, warmup, samples, kernels, trainBatches, modes, trainWindows, trainWindowSteps, kernelFilter, budgetSeconds, false);
    }

    public Options {
      if (budgetSeconds < 0) throw new IllegalArgumentException("--budget-s must be >= 0, got " + budgetSeconds);
      kernelFilter = List.copyOf(kernelFilter);
      if (warmup < 1) throw new IllegalArgumentException("--warmup must be >= 1, got " + warmup);
      if (samples < 3) throw new IllegalArgumentException("--samples must be >= 3 (a median of fewer says little), got " + samples);
      if (trainWindows < 1) throw new IllegalArgumentException("training windows must be >= 1, got " + trainWindows);
      if (!TRAIN_MODELS.contains(trainModel)) throw new IllegalArgumentException("unknown training model '" + trainModel + "'");
      if (trainWindowSteps < 1) throw new IllegalArgumentException("steps per training window must be >= 1, got " + trainWindowSteps);
      for (int bt : trainBatches) {
        if (bt < 1) throw new IllegalArgumentException("--batch values must be >= 1, got " + bt);
      }
      trainBatches = List.copyOf(trainBatches);
      modes = List.copyOf(modes);
    }

    /** The suite's defaults: full sizes, 10 warm-ups, 30 samples, batches 128 and 512, none/NT/VANT. */
    public static Options defaults() {
      return new Options(false, 10, 30, true, List.of(128, 512), List.of(TrainStep.Mode.values()), 7, 5, List.of(), 0);
    }

    /** Whether the kernel row {@code name} is to run. */
    boolean wants(String name) {
      return kernelFilter.isEmpty() || kernelFilter.contains(name);
    }

    /** Names of every kernel row at these sizes, in table order (then the fusion rows, {@link #FUSIONS}). */
    public List<String> kernelNames() {
      List<String> names = new ArrayList<>();
      for (Object[] c : CONVS) names.add((String) c[0]);
      names.add("fc");
      names.add("gemm" + gemmSize());
      for (Object[] f : FUSIONS) names.add((String) f[0]);
      return names;
    }

    /** Batch of the kernel table's conv and FC rows. */
    int kernelBatch() {
      return tiny ? 2 : 128;
    }

    /** Side of the large matmul. */
    int gemmSize() {
      return tiny ? 64 : 4096;
    }

    /** Training image side. */
    int image() {
      return tiny ? 8 : 32;
    }

    /** Rotating-input memory budget per kernel row: 2 GiB, at most 1/16 of the device memory (16 MiB with --tiny). */
    long rotateBudget(long deviceMemory) {
      return tiny ? 16L << 20 : Math.min(2L << 30, Math.max(64L << 20, deviceMemory / 16));
    }
  }

  /** The device and its ceilings. */
  public record DeviceFacts(String name, int ccMajor, int ccMinor, int multiprocessors, int clockMHz, long l2Bytes,
      long memoryBytes, String driver, boolean emulated, DevicePeaks peaks, double theoreticalBytesPerS,
      double measuredCopyBytesPerS, long copyBytes) {
    /** Bandwidth the floor uses: the measured copy, else the datasheet, else the driver's theoretical figure. */
    public double floorBandwidth() {
      if (measuredCopyBytesPerS > 0) return measuredCopyBytesPerS;
      if (peaks.datasheetBytesPerS() > 0) return peaks.datasheetBytesPerS();
      return theoreticalBytesPerS;
    }
  }

  /**
   * One row of the kernel table; times are medians in seconds.
   *
   * @param op "conv2d" or "matmul"
   * @param shape human-readable shape
   * @param work FLOPs and minimal bytes of the fused noisy kernel
   * @param unfusedWork the same for the unfused sequence (kernel, then standalone noise)
   * @param fused the noisy kernel (noise in the epilogue)
   * @param clean the same kernel with noise off (timed in rounds alternating with {@code fused})
   * @param unfused the noise-free kernel, then the standalone noise kernel
   * @param noiseCost fused / noise off, one ratio per round of the alternating timing
   * @param sets input sets rotated through
   */
  public record KernelRow(String name, String op, String shape, Roofline work, Roofline unfusedWork,
      EventTimer.Timing fused, EventTimer.Timing clean, EventTimer.Timing unfused, EventTimer.Ratios noiseCost, int sets) {}

  /**
   * One fusion of the residual block, timed as it runs now and as the sequence of launches it replaced (both give
   * the same bits; medians in seconds), in alternating rounds.
   *
   * @param what the fused form "vs." the unfused one
   * @param gain unfused / fused, one ratio per round
   */
  public record FusionRow(String name, String shape, String what, EventTimer.Timing fused, EventTimer.Timing unfused,
      EventTimer.Ratios gain) {}

  /**
   * One row of the training table.
   *
   * @param deviceSeconds median device time per step (events around back-to-back steps)
   * @param hostSeconds median host time to issue one step, measured with an idle device
   * @param loss the loss read back after the timed steps (finite, else the row fails)
   * @param launches kernel launches of one step run op by op (the second step; -1: not counted)
   * @param vsNone this mode's window / the no-noise window of the same round (the modes of a batch take turns
   *     window by window); null for the no-noise row or when no-noise was not measured
   */
  public record TrainRow(String model, int batch, int image, TrainStep.Mode mode, double deviceSeconds, double[] windows,
      double hostSeconds, float loss, long parameters, long launches, EventTimer.Ratios vsNone) {
    /** Without a launch count or paired ratio. */
    public TrainRow(String model, int batch, int image, TrainStep.Mode mode, double deviceSeconds, double[] windows,
        double hostSeconds, float loss, long parameters) {
      this(model, batch, image, mode, deviceSeconds, windows, hostSeconds, loss, parameters, -1, null);
    }

    public double imagesPerSecond() {
      return batch / deviceSeconds;
    }
  }

  /** Everything one run measured. */
  public record Results(DeviceFacts device, Options options, List<KernelRow> kernels, List<TrainRow> train,
      CublasBaseline.Result cublas, List<String> skipped, MathMode math, List<FusionRow> fusions) {
    public Results {
      skipped = List.copyOf(skipped);
      fusions = List.copyOf(fusions);
    }

    /** Without fusion rows. */
    public Results(DeviceFacts device, Options options, List<KernelRow> kernels, List<TrainRow> train,
        CublasBaseline.Result cublas, List<String> skipped, MathMode math) {
      this(device, options, kernels, train, cublas, skipped, math, List.of());
    }

    /** Results of the exact-FP32 kernels. */
    public Results(DeviceFacts device, Options options, List<KernelRow> kernels, List<TrainRow> train,
        CublasBaseline.Result cublas, List<String> skipped) {
      this(device, options, kernels, train, cublas, skipped, MathMode.FP32);
    }
  }

  private final CudaBackend b;
  private final CudaDevice dev;
  private final Options o;
  private final PrintStream log;
  private final EventTimer timer;
  private int step;

  public GpuBench(CudaBackend b, Options o, PrintStream log) {
    this.b = b;
    this.dev = b.device();
    this.o = o;
    this.log = log;
    this.timer = new EventTimer(dev, o.warmup(), o.samples());
  }

  /** Runs everything {@link #o} asks for. */
  public Results run() {
    long started = System.nanoTime();
    DeviceFacts facts = device();
    log.printf("device: %s (cc %d.%d, %d SMs, L2 %d MiB), FP32 peak %.1f TFLOP/s, copy %.0f GB/s; GEMMs in %s%n", facts.name(),
        facts.ccMajor(), facts.ccMinor(), facts.multiprocessors(), facts.l2Bytes() >> 20,
        facts.peaks().fp32FlopsPerS() / 1e12, facts.measuredCopyBytesPerS() / 1e9, b.math().cliName());
    List<KernelRow> kernels = new ArrayList<>();
    if (o.kernels()) {
      int n = o.kernelBatch();
      for (Object[] c : CONVS) {
        if (!o.wants((String) c[0])) continue;
        int hw = (Integer) c[1], stride = (Integer) c[4];
        kernels.add(conv((String) c[0], new Conv2dShape(n, hw, hw, (Integer) c[2], (Integer) c[3], 3, 3, stride, 1), facts));
      }
      if (o.wants("fc")) kernels.add(matmul("fc", n, 10, 512, facts));
      int g = o.gemmSize();
      if (o.wants("gemm" + g)) kernels.add(matmul("gemm" + g, g, g, g, facts));
    }
    List<FusionRow> fusions = new ArrayList<>();
    if (o.kernels()) {
      for (Object[] f : FUSIONS) {
        String name = (String) f[0];
        if (!o.wants(name)) continue;
        int hw = (Integer) f[1], c = (Integer) f[2], k = (Integer) f[3];
        Conv2dShape conv = new Conv2dShape(o.kernelBatch(), hw, hw, c, k, 3, 3, 1, 1);
        fusions.add(name.startsWith("join.") ? join(name, o.kernelBatch(), hw, c, k == 1)
            : name.startsWith("dgrad.") ? dataGradientPlusShortcut(name, conv) : convThenStatistics(name, conv));
      }
    }
    CublasBaseline.Result cublas = o.kernels() && o.wants("gemm" + o.gemmSize()) ? CublasBaseline.sgemm(dev, o.gemmSize(), timer) : null;
    if (cublas != null) log.println("cuBLAS baseline: " + cublas.describe());
    List<TrainRow> train = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (int batch : o.trainBatches()) {
      double spent = (System.nanoTime() - started) / 1e9;
      if (o.budgetSeconds() > 0 && spent > o.budgetSeconds()) {
        for (TrainStep.Mode m : o.modes()) {
          skipped.add(String.format("training batch %d, noise %s (the %d s budget was spent after %.0f s)", batch, m.cliName(),
              o.budgetSeconds(), spent));
          log.println("skipped: " + skipped.get(skipped.size() - 1));
        }
        continue;
      }
      train.addAll(train(batch, o.modes(), started, skipped));
    }
    return new Results(facts, o, kernels, train, cublas, skipped, b.math(), fusions);
  }

  private DeviceFacts device() {
    CudaDevice.DeviceInfo info = dev.info();
    int clockKHz = 0;
    try {
      clockKHz = dev.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
    } catch (RuntimeException e) {
      // Deprecated in CUDA 13's runtime properties; without it the FP32 peak comes from the datasheet table.
      log.println("max clock not reported by the driver: " + e.getMessage());
    }
    long l2 = dev.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
    double theoretical = Double.NaN;
    try {
      // DDR: two transfers per memory clock; bus width in bits.
      long memKHz = dev.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE);
      long busBits = dev.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH);
      if (memKHz > 0 && busBits > 0) theoretical = 2.0 * memKHz * 1e3 * busBits / 8;
    } catch (RuntimeException e) {
      log.println("memory clock / bus width not reported by the driver: " + e.getMessage());
    }
    DevicePeaks peaks = DevicePeaks.of(info.name(), info.ccMajor(), info.ccMinor(), info.multiprocessors(), clockKHz);
    long copy = o.tiny() ? 8L << 20 : Math.min(1L << 30, info.totalMemory() / 16);
    double bw = copyBandwidth(copy);
    return new DeviceFacts(info.name(), info.ccMajor(), info.ccMinor(), info.multiprocessors(), clockKHz / 1000, l2,
        info.totalMemory(), info.driverVersionString(), info.emulated(), peaks, theoretical, bw, copy);
  }

  /** Bytes read plus bytes written per second of a device-to-device copy of {@code bytes}. */
  private double copyBandwidth(long bytes) {
    try (DeviceBuffer src = dev.pool().acquire(bytes, "bandwidth copy source");
         DeviceBuffer dst = dev.pool().acquire(bytes, "bandwidth copy destination")) {
      src.fill32(Float.floatToIntBits(1.5f));
      EventTimer.Timing t = new EventTimer(dev, 2, Math.max(5, o.samples() / 3)).time("device-to-device copy",
          i -> dst.copyFromDevice(src, bytes));
      return 2.0 * bytes / t.median();
    }
  }

  private KernelRow conv(String name, Conv2dShape g, DeviceFacts facts) {
    String shape = shapeText(g);
    Roofline work = Roofline.conv2dForward(g.n(), g.h(), g.w(), g.c(), g.k(), g.r(), g.s(), g.p(), g.q(), true);
    long outElems = (long) g.n() * g.p() * g.q() * g.k();
    Roofline unfused = Roofline.conv2dForward(g.n(), g.h(), g.w(), g.c(), g.k(), g.r(), g.s(), g.p(), g.q(), false)
        .plus(Roofline.noisePass(outElems, g.n()));
    long setBytes = 4L * (size(g.inputShape()) + size(g.weightShape()));
    int sets = EventTimer.rotatingSets(setBytes, facts.l2Bytes(), 64, o.rotateBudget(facts.memoryBytes()));
    log.printf("conv %s (%s): %d input sets of %.1f MiB%n", name, shape, sets, setBytes / 1048576.0);
    SplittableRandom rnd = new SplittableRandom(name.hashCode());
    List<Tensor> owned = new ArrayList<>();
    try {
      Tensor[] x = new Tensor[sets], w = new Tensor[sets];
      for (int i = 0; i < sets; i++) {
        x[i] = own(owned, random(rnd, 1f, g.inputShape()));
        w[i] = own(owned, random(rnd, 0.05f, g.weightShape()));
      }
      Tensor bias = own(owned, random(rnd, 0.1f, g.k()));
      Tensor sigma = own(owned, sigmas(rnd, g.n()));
      Tensor y = own(owned, b.zeros(g.outputShape()));
      Tensor y2 = own(owned, b.zeros(g.outputShape()));
      IntConsumer noisy = i -> b.conv2dForward(g, x[i % sets], w[i % sets], bias, noise(sigma, 0f), y);
      EventTimer.Paired p = timer.pair("conv2d " + name + " (noise off)",
          i -> b.conv2dForward(g, x[i % sets], w[i % sets], bias, Noise.NONE, y), "noisy conv2d " + name, noisy);
      check(noisy, y, "noisy conv2d " + name);
      EventTimer.Timing unf = timer.time("conv2d " + name + " + standalone noise", i -> {
        b.conv2dForward(g, x[i % sets], w[i % sets], bias, Noise.NONE, y);
        b.noiseForward(y, noise(sigma, 0f), y2);
      });
      checkOutput(y2, "conv2d + noise " + name);
      return new KernelRow(name, "conv2d", shape, work, unfused, p.b(), p.a(), unf, p.ratios(), sets);
    } finally {
      for (Tensor t : owned) t.close();
    }
  }

  /** y [m, n] = x [m, k] w [n, k]^T + bias with noise: sigma 0.5 for all rows (as the PyTorch peer). */
  private KernelRow matmul(String name, int m, int n, int k, DeviceFacts facts) {
    String shape = m + "x" + k + " * (" + n + "x" + k + ")^T";
    Roofline work = Roofline.matmul(m, n, k);
    Roofline unfused = work.plus(Roofline.noisePass((long) m * n, 0));
    long setBytes = 4L * ((long) m * k + (long) n * k);
    int sets = EventTimer.rotatingSets(setBytes, facts.l2Bytes(), 64, o.rotateBudget(facts.memoryBytes()));
    log.printf("matmul %s (%s): %d input sets of %.1f MiB%n", name, shape, sets, setBytes / 1048576.0);
    SplittableRandom rnd = new SplittableRandom(name.hashCode());
    List<Tensor> owned = new ArrayList<>();
    try {
      Tensor[] x = new Tensor[sets], w = new Tensor[sets];
      for (int i = 0; i < sets; i++) {
        x[i] = own(owned, random(rnd, 1f, m, k));
        w[i] = own(owned, random(rnd, 0.05f, n, k));
      }
      Tensor bias = own(owned, random(rnd, 0.1f, n));
      Tensor y = own(owned, b.zeros(m, n));
      Tensor y2 = own(owned, b.zeros(m, n));
      IntConsumer noisy = i -> b.linearForward(x[i % sets], w[i % sets], bias, noise(null, 0.5f), y);
      EventTimer.Paired p = timer.pair("matmul " + name + " (noise off)",
          i -> b.linearForward(x[i % sets], w[i % sets], bias, Noise.NONE, y), "noisy matmul " + name, noisy);
      check(noisy, y, "noisy matmul " + name);
      EventTimer.Timing unf = timer.time("matmul " + name + " + standalone noise", i -> {
        b.linearForward(x[i % sets], w[i % sets], bias, Noise.NONE, y);
        b.noiseForward(y, noise(null, 0.5f), y2);
      });
      checkOutput(y2, "matmul + noise " + name);
      return new KernelRow(name, "matmul", shape, work, unfused, p.b(), p.a(), unf, p.ratios(), sets);
    } finally {
      for (Tensor t : owned) t.close();
    }
  }

  /**
   * The residual join at [n, hw, hw, c] with per-sample noise: fused = bn2's statistics (and the shortcut BatchNorm's
   * when {@code shortcutBn}), then the join normalizing on the fly; unfused = the BatchNorm forwards writing their
   * outputs, then the join of the written tensors (what a block ran before).
   */
  private FusionRow join(String name, int n, int hw, int c, boolean shortcutBn) {
    int[] shape = {n, hw, hw, c};
    String shapeText = String.format("N%d %dx%dx%d, %s shortcut", n, hw, hw, c, shortcutBn ? "BatchNorm" : "identity");
    log.printf("fusion %s (%s)%n", name, shapeText);
    SplittableRandom rnd = new SplittableRandom(name.hashCode());
    List<Tensor> owned = new ArrayList<>();
    try {
      Tensor x2 = own(owned, random(rnd, 2f, shape)), xs = own(owned, random(rnd, 2f, shape));
      Tensor sigma = own(owned, sigmas(rnd, n)), y = own(owned, b.zeros(shape));
      Tensor a2 = own(owned, b.zeros(shape)), as = own(owned, b.zeros(shape));
      Tensor[] g = new Tensor[2], be = new Tensor[2], rm = new Tensor[2], rv = new Tensor[2], m = new Tensor[2], inv = new Tensor[2];
      for (int i = 0; i < 2; i++) {
        g[i] = own(owned, random(rnd, 1f, c));
        be[i] = own(owned, random(rnd, 0.5f, c));
        rm[i] = own(owned, b.zeros(c));
        rv[i] = own(owned, b.zeros(c));
        m[i] = own(owned, b.zeros(c));
        inv[i] = own(owned, b.zeros(c));
      }
      float mom = 0.1f, eps = 1e-5f;
      IntConsumer fused = it -> {
        b.batchNormTrainStatistics(x2, rm[0], rv[0], mom, eps, m[0], inv[0]);
        if (shortcutBn) b.batchNormTrainStatistics(xs, rm[1], rv[1], mom, eps, m[1], inv[1]);
        b.addReluForward(JoinInput.trained(x2, g[0], be[0], m[0], inv[0]),
            shortcutBn ? JoinInput.trained(xs, g[1], be[1], m[1], inv[1]) : JoinInput.plain(xs), noise(sigma, 0f), y);
      };
      IntConsumer unfused = it -> {
        b.batchNormTrainForward(x2, g[0], be[0], rm[0], rv[0], mom, eps, m[0], inv[0], false, Noise.NONE, a2);
        if (shortcutBn) b.batchNormTrainForward(xs, g[1], be[1], rm[1], rv[1], mom, eps, m[1], inv[1], false, Noise.NONE, as);
        b.addReluForward(a2, shortcutBn ? as : xs, noise(sigma, 0f), y);
      };
      EventTimer.Paired p = timer.pair("join " + name + " (BatchNorms read on the fly)", fused,
          "join " + name + " (BatchNorms written, then the join)", unfused);
      check(fused, y, "fused join " + name);
      check(unfused, y, "unfused join " + name);
      String what = shortcutBn ? "2 x statistics + join vs. 2 x (statistics + apply) + join" : "statistics + join vs. statistics + apply + join";
      return new FusionRow(name, shapeText, what, p.a(), p.b(), p.ratios());
    } finally {
      for (Tensor t : owned) t.close();
    }
  }

  /**
   * A noisy conv forward (VANT levels) and the training statistics of the BatchNorm after it: fused = the conv makes
   * the statistics' partials in its epilogue ({@link StatsHandoff}) and the BatchNorm merges them; unfused = the
   * BatchNorm reads the conv's output for them (a pass over y), then merges. Same bits.
   */
  private FusionRow convThenStatistics(String name, Conv2dShape g) {
    String shape = shapeText(g);
    log.printf("fusion %s (%s)%n", name, shape);
    SplittableRandom rnd = new SplittableRandom(name.hashCode());
    List<Tensor> owned = new ArrayList<>();
    try (StatsHandoff h = new StatsHandoff()) {
      Tensor x = own(owned, random(rnd, 1f, g.inputShape())), w = own(owned, random(rnd, 0.05f, g.weightShape()));
      Tensor bias = own(owned, random(rnd, 0.1f, g.k())), sigma = own(owned, sigmas(rnd, g.n()));
      Tensor y = own(owned, b.zeros(g.outputShape()));
      Tensor rm = own(owned, b.zeros(g.k())), rv = own(owned, b.zeros(g.k())), m = own(owned, b.zeros(g.k()));
      Tensor inv = own(owned, b.zeros(g.k()));
      IntConsumer fused = it -> {
        b.conv2dForward(g, x, w, bias, noise(sigma, 0f), y, h);
        b.batchNormTrainStatistics(y, rm, rv, 0.1f, 1e-5f, m, inv, h);
      };
      IntConsumer unfused = it -> {
        b.conv2dForward(g, x, w, bias, noise(sigma, 0f), y);
        b.batchNormTrainStatistics(y, rm, rv, 0.1f, 1e-5f, m, inv);
      };
      EventTimer.Paired p = timer.pair("conv " + name + " + BatchNorm statistics made in its epilogue", fused,
          "conv " + name + ", then the BatchNorm statistics' pass over y", unfused);
      check(fused, inv, "BatchNorm statistics from the conv epilogue " + name);
      check(unfused, inv, "BatchNorm statistics from a pass over y " + name);
      return new FusionRow(name, shape, "noisy conv + statistics merge vs. noisy conv + statistics pass + merge", p.a(), p.b(),
          p.ratios());
    } finally {
      for (Tensor t : owned) t.close();
    }
  }

  /** conv1's data gradient with the shortcut's gradient added in its epilogue, vs the data gradient then add. */
  private FusionRow dataGradientPlusShortcut(String name, Conv2dShape g) {
    String shape = shapeText(g);
    log.printf("fusion %s (%s)%n", name, shape);
    SplittableRandom rnd = new SplittableRandom(name.hashCode());
    List<Tensor> owned = new ArrayList<>();
    try {
      Tensor dy = own(owned, random(rnd, 1f, g.outputShape())), w = own(owned, random(rnd, 0.05f, g.weightShape()));
      Tensor add = own(owned, random(rnd, 1f, g.inputShape())), dx = own(owned, b.zeros(g.inputShape()));
      IntConsumer fused = it -> b.conv2dBackwardData(g, dy, w, dx, add);
      IntConsumer unfused = it -> {
        b.conv2dBackwardData(g, dy, w, dx);
        b.add(dx, add, dx);
      };
      EventTimer.Paired p = timer.pair("data gradient " + name + " + shortcut gradient in the epilogue", fused,
          "data gradient " + name + ", then add", unfused);
      check(fused, dx, "data gradient + addend " + name);
      check(unfused, dx, "data gradient, then add " + name);
      return new FusionRow(name, shape, "data gradient with addend vs. data gradient + add", p.a(), p.b(), p.ratios());
    } finally {
      for (Tensor t : owned) t.close();
    }
  }

  /**
   * The training rows of one batch: a step of every mode set up side by side (each one's first steps load kernels,
   * fill the pool and, with CUDA graphs, record the step; the pool keeps each recording's blocks to itself), its
   * launches counted and its host time taken, then the timed windows in rounds — one window of each mode per round,
   * the order rotating — so each mode's window can be compared with the no-noise window of the same round.
   */
  private List<TrainRow> train(int batch, List<TrainStep.Mode> modes, long started, List<String> skipped) {
    int image = o.image(), n = modes.size(), rounds = o.trainWindows(), steps = o.trainWindowSteps();
    List<TrainStep> ts = new ArrayList<>();
    try (CudaEvent a = new CudaEvent(dev); CudaEvent e = new CudaEvent(dev)) {
      int[] s = new int[n];
      long[] launches = new long[n];
      double[] host = new double[n];
      for (int m = 0; m < n; m++) {
        log.printf("training step %s 3x%dx%d batch %d, noise %s%n", o.trainModel(), image, image, batch, modes.get(m).cliName());
        TrainStep t = new TrainStep(b, o.trainModel(), batch, image, modes.get(m), o.cudaGraph());
        ts.add(t);
        t.run(s[m]++);   // the first step allocates from the pool and loads kernels
        // The second runs op by op in every mode (a graph is recorded at the third): its launches are the step's.
        long launched = launches();
        t.run(s[m]++);
        launches[m] = launches() - launched;
        t.run(s[m]++);
        t.readLoss();
        // Host cost of issuing one step: the device queue is empty, so no launch waits for a free slot.
        double[] h = new double[5];
        for (int i = 0; i < h.length; i++) {
          dev.synchronize("training step " + s[m]);
          long t0 = System.nanoTime();
          t.run(s[m]++);
          h[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(h);
        host[m] = EventTimer.percentile(h, 0.5);
      }
      dev.synchronize("training steps of batch " + batch);
      double[][] win = new double[n][rounds];
      int done = 0;
      while (done < rounds) {
        for (int j = 0; j < n; j++) {
          int m = (done + j) % n;
          a.record();
          for (int k = 0; k < steps; k++) ts.get(m).run(s[m]++);
          e.record();
          e.synchronize();
          win[m][done] = e.elapsedMs(a) / 1e3 / steps;
        }
        done++;
        double spent = (System.nanoTime() - started) / 1e9;
        if (done < rounds && o.budgetSeconds() > 0 && spent > o.budgetSeconds()) {
          // Whole rounds only, so every ratio compares windows of the same round; the report says what was left out.
          skipped.add(String.format("training batch %d: %d of %d rounds of windows (the %d s budget was spent after %.0f s)",
              batch, done, rounds, o.budgetSeconds(), spent));
          log.println("skipped: " + skipped.get(skipped.size() - 1));
          break;
        }
      }
      for (int m = 0; m < n; m++) win[m] = Arrays.copyOf(win[m], done);
      rounds = done;
      int none = modes.indexOf(TrainStep.Mode.NONE);
      List<TrainRow> rows = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        EventTimer.Ratios vsNone = null;
        if (none >= 0 && m != none) {
          double[] q = new double[rounds];
          for (int r = 0; r < rounds; r++) q[r] = win[m][r] / win[none][r];
          vsNone = new EventTimer.Ratios(q);
        }
        float loss = ts.get(m).readLoss();
        double[] w = win[m].clone();
        Arrays.sort(w);
        rows.add(new TrainRow(o.trainModel(), batch, image, modes.get(m), EventTimer.percentile(w, 0.5), w, host[m], loss,
            ts.get(m).model().parameterCount(), launches[m], vsNone));
      }
      return rows;
    } finally {
      for (TrainStep t : ts) t.close();
    }
  }

  /** Kernel launches on the device so far. */
  private long launches() {
    return dev.launchCounts().values().stream().mapToLong(Long::longValue).sum();
  }

  private Noise noise(Tensor sigma, float scalar) {
    return new Noise(Noise.Type.ADDITIVE, scalar, sigma, 42L, 1, step++);
  }

  /** Runs {@code op} once more (the timing alternated ops that write the same output) and checks what it wrote. */
  private void check(IntConsumer op, Tensor y, String what) {
    op.accept(0);
    checkOutput(y, what);
  }

  /** Reads {@code y} back: every element finite and not all zero, else the benchmark measured a broken kernel. */
  private void checkOutput(Tensor y, String what) {
    float[] h = b.toHost(y);
    boolean nonzero = false;
    for (int i = 0; i < h.length; i++) {
      if (!Float.isFinite(h[i])) throw new IllegalStateException(what + ": output element " + i + " is " + h[i]);
      nonzero |= h[i] != 0f;
    }
    if (!nonzero) throw new IllegalStateException(what + ": output is all zeros");
  }

  private static Tensor own(List<Tensor> owned, Tensor t) {
    owned.add(t);
    return t;
  }

  /** Uniform in [-scale, scale), never all zero. */
  private Tensor random(SplittableRandom rnd, float scale, int... shape) {
    float[] a = new float[Math.toIntExact(size(shape))];
    for (int i = 0; i < a.length; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
    return b.fromHost(a, shape);
  }

  /** Per-sample levels in [0.1, 1.1), as the PyTorch peer draws them. */
  private Tensor sigmas(SplittableRandom rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (0.1 + rnd.nextDouble());
    return b.fromHost(a, n);
  }

  /** "N128 16x16x64 -> 16x16x64, 3x3 s1": a conv row's or fusion row's shape column. */
  private static String shapeText(Conv2dShape g) {
    return String.format("N%d %dx%dx%d -> %dx%dx%d, %dx%d s%d", g.n(), g.h(), g.w(), g.c(), g.p(), g.q(), g.k(), g.r(), g.s(),
        g.stride());
  }

  private static long size(int... shape) {
    long n = 1;
    for (int d : shape) n *= d;
    return n;
  }
}
