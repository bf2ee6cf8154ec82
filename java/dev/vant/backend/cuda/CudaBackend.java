package dev.vant.backend.cuda;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.Backend;
import dev.vant.backend.Conv2dShape;
import dev.vant.backend.JoinInput;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.backend.SgdConfig;
import dev.vant.backend.Shapes;
import dev.vant.backend.StepGraph;
import dev.vant.backend.StatsHandoff;
import dev.vant.backend.StepScalars;
import dev.vant.cuda.Cuda;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.CudaGraph;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link Backend} on an NVIDIA GPU: every op is a kernel of {@code kernels/}, launched through
 * {@link CudaDevice} on its default stream, so a training step stays on the device — nothing is copied to
 * the host unless the caller asks ({@link #toHost}). The GEMMs (convolutions, linear layers, their
 * gradients) run in the backend's {@link MathMode}: exact FP32 or TF32 tensor cores (the *_tf32 kernels);
 * every other op, and the noise, is the same FP32 code in both modes. Tensors live in the device's
 * {@link dev.vant.cuda.MemoryPool}: a step that asks for the same shapes every time allocates only
 * once. Workspaces (split-K partials, reduction partials, the optimizer's parameter table) come from
 * the same pool.
 *
 * <p>One binding class per kernel family, named like its kernel file: {@link NoisyConv2d}
 * (noisy_conv2d.cu), {@link NoisyMatmul} (noisy_matmul.cu), {@link BiasGrad}, {@link BatchNorm},
 * {@link Elementwise}, {@link Pool}, {@link SoftmaxXent}, {@link Optim}, {@link Sigma}.
 *
 * <p>Not thread-safe: one backend is driven by one thread at a time.
 */
public final class CudaBackend implements Backend {
  private static final int BLOCK = 256;
  private final CudaDevice dev;
  private final boolean ownsDevice;
  private final String deviceName;
  private final MathMode math;
  /** Why this device cannot run the wgmma kernels, or null when it can (fixed per device: checked once). */
  private final String noWgmma;
  final Optim optim = new Optim(this);
  private long toHostCalls, toHostBytes, fromHostCalls, fromHostBytes;
  /** The device StepState {step, lr, bc1, bc2} of recorded steps (kernels/step_state.cuh); null until the first capture. */
  private DeviceBuffer stepState;
  /**
   * The tickets of the one-launch column reductions (kernels/colreduce.cuh finish: the BatchNorm backward's sums, bias
   * gradients; the forward statistics merge their 64-row chunks in a launch of their own), one per 32-column tile;
   * all zero between launches (each launch puts back what it took). A buffer outgrown goes back to the pool, which
   * keeps it from anyone else while a recorded graph that reduces on it is open (MemoryPool).
   */
  private DeviceBuffer tickets;
  private long ticketCount;
  /** The scalars of the step being recorded; null when not capturing. */
  private StepScalars recording;
  /** Adam's betas seen while recording (null: the step has no Adam update), to compute bc1, bc2 per replay. */
  private AdamConfig recordedAdam;

  /**
   * A backend on {@code dev} in the device's default math mode ({@link MathMode#defaultFor}: TF32 on compute
   * capability 8.0 and newer); the caller keeps ownership of the device and closes it after this backend.
   */
  public CudaBackend(CudaDevice dev) {
    this(dev, null);
  }

  /** A backend on {@code dev} computing its GEMMs in {@code math} (null: the device's default). */
  public CudaBackend(CudaDevice dev, MathMode math) {
    this(dev, math, false);
  }

  private CudaBackend(CudaDevice dev, MathMode math, boolean ownsDevice) {
    this.dev = dev;
    this.ownsDevice = ownsDevice;
    this.deviceName = "cuda:" + dev.info().ordinal();
    this.math = math != null ? math : MathMode.defaultFor(dev.info().ccMajor(), dev.info().ccMinor());
    this.noWgmma = whyNoWgmma(dev);
    if (this.math.tensorCores() && dev.info().ccMajor() < 8) {
      throw new IllegalArgumentException("--math " + this.math.cliName() + " needs compute capability 8.0 or newer (tensor cores with TF32); "
          + dev.info().name() + " has " + dev.info().ccMajor() + "." + dev.info().ccMinor());
    }
  }

  /** Opens device 0 in its default math mode (throws {@link dev.vant.cuda.CudaUnavailableException} saying why when it cannot); closing the backend closes the device. */
  public static CudaBackend open() {
    return open(null);
  }

  /** Opens device 0 computing its GEMMs in {@code math} (null: the device's default); closing the backend closes the device. */
  public static CudaBackend open(MathMode math) {
    CudaDevice d = Cuda.open();
    try {
      return new CudaBackend(d, math, true);
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /** How the GEMMs of this backend compute. */
  public MathMode math() {
    return math;
  }

  /**
   * The TF32 forward GEMM pipeline in use: k16 (BK 16, static shared memory; the default), k32 (BK 32, dynamic
   * shared memory), wgmma, wgmma64, wgmma128 or wgmma256 (Hopper's warpgroup MMA, sm_90a only, for the forwards and
   * both gradients; see {@link Gemm#TF32_WG}, {@link Gemm#TF32_WG256}), from {@code VANT_TF32_TILE} or the system property {@code vant.tf32.tile}.
   */
  public static String tf32Tile() {
    return Gemm.tf32Tile();
  }

  /** Whether the noisy wgmma forwards draw their noise under the k loop (VANT_EARLY_NOISE, default on). */
  public static boolean earlyNoise() {
    return Gemm.earlyNoise();
  }

  /** The GEMM tile geometry of this backend's math mode; a wgmma choice is checked against the device and the fatbin. */
  Gemm gemm() {
    Gemm g = Gemm.of(math);
    if (g.wgmma() && noWgmma != null) {
      throw new IllegalStateException("VANT_TF32_TILE=" + Gemm.tf32Tile() + " needs " + noWgmma);
    }
    return g;
  }

  /** Whether {@code dev} runs the sm_90a wgmma kernels (VANT_TF32_TILE=wgmma*): compute capability 9.0, sm_90a code. */
  public static boolean wgmmaRuns(CudaDevice dev) {
    return whyNoWgmma(dev) == null;
  }

  private static String whyNoWgmma(CudaDevice dev) {
    var info = dev.info();
    return whyNoWgmma(info.ccMajor(), info.ccMinor(), info.name(), dev.fatbin() == null ? null : dev.fatbin().archs());
  }

  /**
   * Why a GPU of compute capability major.minor named {@code name}, with a fatbin of these SASS targets (null: none),
   * cannot run the wgmma kernels; null when it can. (Package-private for the tests: the emulated device is 9.0.)
   */
  static String whyNoWgmma(int major, int minor, String name, java.util.List<String> archs) {
    if (major != 9 || minor != 0) {
      return "a compute capability 9.0 GPU (Hopper: wgmma is sm_90a code); " + name + " has " + major + "." + minor
          + ": use k16 or k32";
    }
    if (archs == null || !archs.contains("sm_90a")) {
      return "sm_90a code in the fatbin; this build has " + (archs == null ? "none" : archs)
          + " (rebuild with 90a in VANT_ARCHS, the default)";
    }
    return null;
  }

  public CudaDevice device() {
    return dev;
  }

  @Override
  public String name() {
    return "cuda";
  }

  // ---- plumbing shared by the bindings ------------------------------------------------------------

  /** The device buffer of {@code t}; {@code what} names the op and tensor for the error. */
  DeviceBuffer buf(Tensor t, String what) {
    if (t == null) throw new IllegalArgumentException(what + " is null");
    if (!(t.storage() instanceof CudaStorage s)) {
      throw new IllegalArgumentException(what + ": tensor " + t + " is not on the CUDA backend");
    }
    return s.buffer();
  }

  /** Null for a null tensor, else its buffer. */
  DeviceBuffer bufOrNull(Tensor t, String what) {
    return t == null ? null : buf(t, what);
  }

  /** The device form of {@code noise} for output {@code y} (sample n owns y's n-th slice along dim 0). */
  KernelArgs.NoiseArgs noise(Noise noise, Tensor y, String op) {
    Shapes.noise(op, noise, y.rank() == 0 ? 1 : y.dim(0));
    if (!noise.enabled()) return KernelArgs.NoiseArgs.NONE;
    long perSample = Math.max(1, y.perSample());
    DeviceBuffer sigma = noise.sigma() == null ? null : buf(noise.sigma(), op + " per-sample sigma");
    return new KernelArgs.NoiseArgs(noise.type().ordinal(), noise.sigmaScalar(), sigma, perSample, noise.seed(),
        noise.site(), noise.step(), stepState(op, noise.step()));
  }

  /**
   * The device StepState while a step is being recorded (after checking that {@code op} draws noise at the
   * recorded step: any other step word would be frozen into the graph), null in eager launches.
   */
  DeviceBuffer stepState(String op, int step) {
    if (recording == null) return null;
    if (step != recording.step()) {
      throw new IllegalStateException(op + ": noise step " + step + " while recording step " + recording.step()
          + " (a recorded step reads its step from device memory; an op at another step cannot be recorded)");
    }
    return stepState;
  }

  /** As {@link #stepState(String, int)} for an optimizer update with learning rate {@code lr} and count {@code t} (0: SGD). */
  DeviceBuffer stepState(String op, float lr, int t, AdamConfig adam) {
    if (recording == null) return null;
    if (Float.compare(lr, recording.lr()) != 0 || (adam != null && t != recording.optimizerStep())) {
      throw new IllegalStateException(op + ": learning rate " + lr + (adam != null ? ", step " + t : "") + " while recording lr "
          + recording.lr() + ", step " + recording.optimizerStep() + " (they are read from device memory on replay)");
    }
    if (adam != null) recordedAdam = adam;
    return stepState;
  }

  /**
   * The geometry each argmax tensor's positions were written for by maxpool_forward (keyed by storage; weak, so
   * closed tensors drop out). maxPoolBackward trusts those and checks any other positions on the host first.
   */
  final java.util.Map<Tensor.Storage, PoolShape> argmaxGeometry = new java.util.WeakHashMap<>();

  /** True while a step is being recorded as a CUDA graph (no host copies then). */
  boolean recording() {
    return recording != null;
  }

  private void notRecording(String op) {
    if (recording != null) {
      throw new IllegalStateException(op + " while recording a step as a CUDA graph: a copy between host and device "
          + "would synchronize inside the graph (keep the batch upload and the loss read outside the recorded step)");
    }
  }

  /** Blocks for a grid-stride kernel over {@code work} items of 256 threads each. */
  long gridFor(long work) {
    return gridFor(work, 32);
  }

  /** As {@link #gridFor(long)}, at most {@code perSm} blocks per multiprocessor (kernels with per-block setup). */
  long gridFor(long work, int perSm) {
    long blocks = (work + BLOCK - 1) / BLOCK;
    return Math.max(1, Math.min(blocks, (long) dev.info().multiprocessors() * perSm));
  }

  void launch(String op, String kernel, long grid, int block, KernelArgs args) {
    dev.launch(op, kernel, grid, block, 0, args.build());
  }

  /** As {@link #launch(String, String, long, int, KernelArgs)} with {@code sharedBytes} of dynamic shared memory. */
  void launch(String op, String kernel, long grid, int block, int sharedBytes, KernelArgs args) {
    dev.launch(op, kernel, grid, block, sharedBytes, args.build());
  }

  /**
   * Zeroed tickets for a column reduction over {@code cols} columns (kernels/colreduce.cuh finish). Allocated on
   * first use, at least 4,096 (131,072 columns), and grown outside graph captures only.
   */
  DeviceBuffer tickets(String op, int cols) {
    long need = (cols + 31) / 32;
    if (tickets == null || need > ticketCount) {
      if (dev.capturing()) {
        throw new IllegalStateException(op + ": " + cols + " columns need " + need + " reduction tickets, more than the "
            + ticketCount + " allocated before this CUDA graph capture (run the step once without capture first)");
      }
      long n = Math.max(need, 4096);
      // The pool holds the old block for any graph recorded with it (MemoryPool), so it can go back now.
      if (tickets != null) tickets.close();
      tickets = dev.pool().acquireNew(4 * n, "column-reduction tickets");
      ticketCount = n;
      // Zeroed by a kernel on the device's stream, so the first reduction is ordered after it.
      launch(op + " (reduction tickets)", "fill_value", gridFor(n), BLOCK, new KernelArgs().ptr(tickets).l(n).f(0f));
    }
    return tickets;
  }

  /** A scratch buffer from the pool (close it after the launches that use it; the pool keeps it for reuse). */
  DeviceBuffer workspace(long bytes, String what) {
    return dev.pool().acquire(Math.max(bytes, 4), what);
  }

  static IllegalArgumentException bad(String op, String msg) {
    return new IllegalArgumentException(op + ": " + msg);
  }

  static void requireShape(String op, String name, Tensor t, int... shape) {
    if (t == null) throw bad(op, name + " is null");
    if (!Arrays.equals(t.shape(), shape)) {
      throw bad(op, name + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
    }
  }

  static void requireSize(String op, String name, Tensor t, long size) {
    if (t == null) throw bad(op, name + " is null");
    if (t.size() != size) {
      throw bad(op, name + " " + Arrays.toString(t.shape()) + " has " + t.size() + " elements, expected " + size);
    }
  }

  static void requireSame(String op, String name, Tensor t, Tensor ref, String refName) {
    if (t == null) throw bad(op, name + " is null");
    if (t.size() != ref.size()) {
      throw bad(op, name + " " + Arrays.toString(t.shape()) + " does not match " + refName + " " + Arrays.toString(ref.shape()));
    }
  }

  // ---- memory -------------------------------------------------------------------------------------

  @Override
  public Tensor zeros(int... shape) {
    Tensor t = allocate(shape);
    Elementwise.fill(this, t, 0f);
    return t;
  }

  @Override
  public Tensor fromHost(float[] data, int... shape) {
    notRecording("fromHost " + Arrays.toString(shape));
    Tensor t = allocate(shape);
    if (data.length != t.size()) {
      t.close();
      throw bad("fromHost", data.length + " floats for shape " + Arrays.toString(shape) + " of " + t.size() + " elements");
    }
    if (data.length > 0) buf(t, "fromHost").copyFrom(data, data.length);
    fromHostCalls++;
    fromHostBytes += 4L * data.length;
    return t;
  }

  private Tensor allocate(int... shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw bad("allocate", "negative dimension in shape " + Arrays.toString(shape));
      n *= d;
    }
    DeviceBuffer b = dev.pool().acquire(Math.max(4, 4 * n), "tensor " + Arrays.toString(shape));
    return new Tensor(new CudaStorage(b, n, deviceName), shape);
  }

  @Override
  public void copyFromHost(float[] src, Tensor dst) {
    notRecording("copyFromHost " + dst);
    if (src.length != dst.size()) throw bad("copyFromHost", src.length + " floats for " + dst);
    if (src.length > 0) buf(dst, "copyFromHost").copyFrom(src, src.length);
    argmaxGeometry.remove(dst.storage());
    fromHostCalls++;
    fromHostBytes += 4L * src.length;
  }

  @Override
  public void toHost(Tensor t, float[] dst) {
    notRecording("toHost " + t);
    if (dst.length < t.size()) throw bad("toHost", "destination of " + dst.length + " floats for " + t);
    if (t.size() > 0) buf(t, "toHost").copyTo(dst, Math.toIntExact(t.size()));
    toHostCalls++;
    toHostBytes += 4 * t.size();
  }

  /** Copies between host and device made through this backend so far (the only ones it makes). */
  public HostTraffic hostTraffic() {
    return new HostTraffic(toHostCalls, toHostBytes, fromHostCalls, fromHostBytes);
  }

  /** Counts of {@link #toHost} and {@link #fromHost} calls and their bytes. */
  public record HostTraffic(long toHostCalls, long toHostBytes, long fromHostCalls, long fromHostBytes) {}

  @Override
  public void copy(Tensor src, Tensor dst) {
    requireSame("copy", "dst", dst, src, "src");
    Elementwise.copy(this, src, dst);
    argmaxGeometry.remove(dst.storage());
  }

  @Override
  public void fill(Tensor t, float value) {
    Elementwise.fill(this, t, value);
    argmaxGeometry.remove(t.storage());
  }

  /** y = a + b on the device (the interface's default would go through the host). */
  @Override
  public void add(Tensor a, Tensor b, Tensor y) {
    Elementwise.add(this, a, b, y);
  }

  // ---- noise --------------------------------------------------------------------------------------

  @Override
  public void noiseForward(Tensor x, Noise noise, Tensor y) {
    Elementwise.noiseForward(this, x, noise, y);
  }

  @Override
  public void noiseBackward(Noise noise, Tensor dy, Tensor dx) {
    Elementwise.noiseBackward(this, noise, dy, dx);
  }

  @Override
  public void sampleSigmas(long seed, int site, int step, float base, float theta, Tensor sigma) {
    Sigma.sample(this, seed, site, step, base, theta, sigma);
  }

  // ---- convolution --------------------------------------------------------------------------------

  @Override
  public void conv2dForward(Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y) {
    NoisyConv2d.forward(this, g, x, w, bias, noise, y, null);
  }

  @Override
  public void conv2dForward(Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y, StatsHandoff stats) {
    NoisyConv2d.forward(this, g, x, w, bias, noise, y, stats);
  }

  @Override
  public void conv2dBackwardData(Conv2dShape g, Tensor dy, Tensor w, Tensor dx) {
    NoisyConv2d.backwardData(this, g, dy, w, dx, null);
  }

  @Override
  public void conv2dBackwardData(Conv2dShape g, Tensor dy, Tensor w, Tensor dx, Tensor addend) {
    NoisyConv2d.backwardData(this, g, dy, w, dx, addend);
  }

  @Override
  public void conv2dBackwardWeight(Conv2dShape g, Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    NoisyConv2d.backwardWeight(this, g, x, dy, dw, dbias);
  }

  // ---- linear -------------------------------------------------------------------------------------

  @Override
  public void linearForward(Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y) {
    NoisyMatmul.forward(this, x, w, bias, noise, y);
  }

  @Override
  public void linearBackwardData(Tensor dy, Tensor w, Tensor dx) {
    NoisyMatmul.backwardData(this, dy, w, dx);
  }

  @Override
  public void linearBackwardWeight(Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    NoisyMatmul.backwardWeight(this, x, dy, dw, dbias);
  }

  // ---- batch normalization ------------------------------------------------------------------------

  @Override
  public void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Noise noise, Tensor y) {
    BatchNorm.trainForward(this, x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, noise, y,
        null);
  }

  @Override
  public void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Noise noise, Tensor y, StatsHandoff stats) {
    BatchNorm.trainForward(this, x, gamma, beta, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, relu, noise, y,
        stats);
  }

  @Override
  public void batchNormTrainStatistics(Tensor x, Tensor runningMean, Tensor runningVar, float momentum, float eps,
      Tensor saveMean, Tensor saveInvStd) {
    BatchNorm.trainStatistics(this, x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, null);
  }

  @Override
  public void batchNormTrainStatistics(Tensor x, Tensor runningMean, Tensor runningVar, float momentum, float eps,
      Tensor saveMean, Tensor saveInvStd, StatsHandoff stats) {
    BatchNorm.trainStatistics(this, x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, stats);
  }

  @Override
  public void batchNormInferenceForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float eps, boolean relu, Noise noise, Tensor y) {
    BatchNorm.inferenceForward(this, x, gamma, beta, runningMean, runningVar, eps, relu, noise, y);
  }

  @Override
  public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
      boolean relu, Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dxSums) {
    BatchNorm.backward(this, dy, x, gamma, beta, saveMean, saveInvStd, relu, dx, dgamma, dbeta, dxSums);
  }

  // ---- elementwise --------------------------------------------------------------------------------

  @Override
  public void reluForward(Tensor x, Noise noise, Tensor y) {
    Elementwise.reluForward(this, x, noise, y);
  }

  @Override
  public void reluBackward(Tensor dy, Tensor x, Tensor dx) {
    Elementwise.reluBackward(this, dy, x, dx);
  }

  @Override
  public void addReluForward(JoinInput a, JoinInput b, Noise noise, Tensor y) {
    Elementwise.addReluForward(this, a, b, noise, y);
  }

  @Override
  public void addReluBackward(Tensor dy, JoinInput a, JoinInput b, Tensor dx) {
    Elementwise.addReluBackward(this, dy, a, b, dx);
  }

  // ---- pooling ------------------------------------------------------------------------------------

  @Override
  public void maxPoolForward(PoolShape g, Tensor x, Noise noise, Tensor y, Tensor argmax) {
    Pool.maxForward(this, g, x, noise, y, argmax);
  }

  @Override
  public void maxPoolBackward(PoolShape g, Tensor dy, Tensor argmax, Tensor dx) {
    Pool.maxBackward(this, g, dy, argmax, dx);
  }

  @Override
  public void globalAvgPoolForward(Tensor x, Noise noise, Tensor y) {
    Pool.avgForward(this, x, noise, y);
  }

  @Override
  public void globalAvgPoolBackward(Tensor dy, Tensor dx) {
    Pool.avgBackward(this, dy, dx);
  }

  // ---- loss ---------------------------------------------------------------------------------------

  @Override
  public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits, Tensor stats) {
    SoftmaxXent.forwardBackward(this, logits, labels, dlogits, stats);
  }

  // ---- optimizers ---------------------------------------------------------------------------------

  @Override
  public void adamUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamConfig cfg, int t) {
    optim.adam(params, grads, m, v, cfg, t);
  }

  @Override
  public void sgdUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> momentum, SgdConfig cfg, boolean firstStep) {
    optim.sgd(params, grads, momentum, cfg, firstStep);
  }

  // ---- recorded steps (CUDA graphs) ---------------------------------------------------------------

  @Override
  public boolean canCaptureSteps() {
    return true;
  }

  /**
   * Captures {@code body}'s launches as a CUDA graph (stream capture on the device's graph stream) and
   * launches it once with {@code s}. While recording, every noisy kernel, the VANT level draw and the
   * optimizer update get the device StepState as their last parameter (kernels/step_state.cuh), so a
   * replay reads step, lr and Adam's bias corrections from there; {@link StepGraph#replay} rewrites those
   * 16 bytes (one H2D copy) and launches the graph.
   */
  @Override
  public StepGraph captureStep(StepScalars s, Runnable body) {
    if (recording != null || dev.capturing()) throw new IllegalStateException("captureStep: a step is already being recorded");
    // Its own allocation: a free block of the pool taken here would be missing to the step being recorded.
    if (stepState == null) stepState = dev.pool().acquireNew(16, "step state {step, lr, bc1, bc2}");
    tickets("captureStep", 1);  // allocated (and zeroed) outside the capture: no allocation may happen inside it
    String what = "training step " + s.step();
    recordedAdam = null;
    dev.beginCapture(what);
    optim.beginCapture();
    recording = s; // only once the capture runs: a failed begin must not leave the backend "recording"
    CudaGraph g = null;
    boolean ok = false;
    try {
      body.run();
      ok = true;
    } finally {
      recording = null;
      boolean made = false;
      try {
        g = dev.endCapture(what, !ok);
        made = g != null;
      } finally {
        optim.endCapture(made); // tables whose writes only a failed recording holds were never written
      }
    }
    Recorded r = new Recorded(g, recordedAdam);
    r.replay(s);
    return r;
  }

  /** A recorded step: its graph and the Adam betas its bias corrections are computed from. */
  private final class Recorded implements StepGraph {
    private final CudaGraph graph;
    private final AdamConfig adam;

    Recorded(CudaGraph graph, AdamConfig adam) {
      this.graph = graph;
      this.adam = adam;
    }

    @Override
    public void replay(StepScalars s) {
      float bc1 = adam == null ? 1f : Optim.biasCorrection(adam.beta1(), s.optimizerStep());
      float bc2 = adam == null ? 1f : Optim.biasCorrection(adam.beta2(), s.optimizerStep());
      // A synchronous copy on the legacy stream, which the graph stream (created blocking) waits for and which waits
      // for the previous replay: no kernel of step N can read step N + 1's values. An asynchronous copy, another
      // stream or a non-blocking graph stream would break that (the noise and the optimizer read this state).
      stepState.copyFrom(new int[] {s.step(), Float.floatToRawIntBits(s.lr()), Float.floatToRawIntBits(bc1),
          Float.floatToRawIntBits(bc2)}, 4);
      graph.launch();
    }

    @Override
    public void close() {
      graph.close();
    }
  }

  /** Waits for the device to finish the queued work; {@code op} names the point for an asynchronous fault. */
  public void synchronize(String op) {
    dev.synchronize(op);
  }

  @Override
  public void close() {
    if (stepState != null) stepState.close();
    stepState = null;
    if (tickets != null) tickets.close();
    tickets = null;
    optim.close();
    if (ownsDevice) dev.close();
  }

  @Override
  public String toString() {
    return "CudaBackend[" + dev.info().name() + ", " + math.cliName() + "]";
  }
}
