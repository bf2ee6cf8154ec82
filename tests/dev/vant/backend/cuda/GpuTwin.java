package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vant.backend.Backend;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.cuda.CudaDevice;
import dev.vant.cuda.GpuTests;
import dev.vant.random.NoiseStream;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The same tensors on the CUDA backend and on the FLOAT32 reference ({@link ReferenceBackend}), and the
 * comparisons of the GPU tests. Index [0] of every pair is the reference, [1] the GPU.
 *
 * <p>Every GPU output is poisoned with a NaN pattern ({@link #POISON}) right before the launch
 * ({@link #out}), so an element a kernel forgot to write shows up as that exact pattern.
 *
 * <p>Tolerances (per element e, u = 2^-24, ref value r_e):
 * <ul>
 *   <li>elementwise, normalization, pooling, loss, optimizer, sigma ({@link #compare} with {@link #REL}):
 *       {@code |gpu - ref| <= 1e-5 (|r_e| + rms(r) + n_e)} — a relative error of 1e-5 in the scale of the
 *       element or, for elements that cancel to near zero, of the tensor; n_e = |s z| (+ |s z'|) is the
 *       size of the noise term, because the GPU's Gaussians (kernels/box_muller.cuh) may differ from Java's in
 *       the last few bits, which is an error in the scale of s z, not of the result.</li>
 *   <li>GEMMs (conv, linear; {@link #compareGemm}): {@code |gpu - ref| <= (K + 4) u A_e f_e + 8 u (|r_e| + n_e)}
 *       where A_e = sum_k |a_k b_k| (+ |bias|) is the reference op applied to |inputs| and f_e = 1 + |s z|
 *       for multiplicative noise (the GEMM's error is scaled by the noise factor), else 1. A sequential
 *       float sum of K products with fma has error at most K u A_e (Higham, ch. 3); the reference sums in
 *       double and rounds once (u |r_e|); the +4 and 8u cover bias add, rounding of the noise step and
 *       the Gaussians' last bits.</li>
 *   <li>TF32 GEMMs ({@link #compareTf32}, against the DOUBLE reference):
 *       {@code |gpu - ref| <= ((2 t + t^2) + 2 (K + 4) u) A_e f_e + 8 u (|r_e| + n_e)} with t = 2^-11 (--math
 *       tf32), 2^-10 (tf32rz: the tensor cores truncate the operands). Error
 *       model: each operand is rounded to TF32 (cvt.rna, 10 stored mantissa bits: relative error <= t), so a
 *       product is off by at most (2 t + t^2) |a b|; the product of two TF32 values is exact in FP32, and the
 *       tensor core sums in FP32 with at most 2u per addition (its adder may truncate instead of rounding:
 *       Fasi, Higham, Mikaitis, Pranesh 2021), hence 2 (K + 4) u A_e for the sum, bias add and split-K
 *       reduction. The last term covers the final rounding to float and the noise step, as for FP32. The
 *       operand term dominates: about 1e-3 A_e, which is what "TF32: about 5e-3" of DESIGN.md §5 budgets.</li>
 * </ul>
 */
final class GpuTwin implements AutoCloseable {
  static final int POISON = 0x7FC0DEAD;
  static final double REL = 1e-5;
  static final double U = 0x1p-24;

  final CudaDevice dev;
  final CudaBackend gpu;
  final Backend ref;
  final SplittableRandom rnd;
  private final List<Tensor> live = new ArrayList<>();

  private GpuTwin(CudaDevice dev, long seed, MathMode math, Precision refPrecision) {
    this.dev = dev;
    this.gpu = new CudaBackend(dev, math);
    this.ref = new ReferenceBackend(refPrecision);
    this.rnd = new SplittableRandom(seed);
  }

  /** Opens the device (skips, or fails under REQUIRE_GPU=1, where CUDA is unavailable): exact FP32 vs the FLOAT32 reference. */
  static GpuTwin open(long seed) {
    return new GpuTwin(GpuTests.open(), seed, MathMode.FP32, Precision.FLOAT32);
  }

  /**
   * The GPU backend in {@code math}; TF32 is compared with the DOUBLE reference (its error is the TF32
   * rounding of the operands, far above float32 rounding: see {@link #compareTf32}).
   */
  static GpuTwin open(long seed, MathMode math) {
    return new GpuTwin(GpuTests.open(), seed, math, math.tensorCores() ? Precision.DOUBLE : Precision.FLOAT32);
  }

  boolean emulated() {
    return dev.info().emulated();
  }

  /** Small problem sizes: under the emulation, or on a GPU under compute-sanitizer ({@link GpuTests#smallSizes}). */
  boolean small() {
    return GpuTests.smallSizes(dev);
  }

  /** {@code full} cases on a GPU, {@code emulated} under the CPU emulation of the driver. */
  int count(int full, int emulated) {
    return (int) GpuTests.size(dev, full, emulated);
  }

  /**
   * As {@link #count(int, int)}, with {@code asan} cases in the emulated run under AddressSanitizer (VANT_EMU_ASAN=1),
   * which is ~3x slower: there the fixed edge shapes carry the out-of-bounds check, a few random ones ride along.
   */
  int count(int full, int emulated, int asan) {
    return emulated() && "1".equals(System.getenv("VANT_EMU_ASAN")) ? asan : count(full, emulated);
  }

  int between(int lo, int hi) {
    return lo + rnd.nextInt(hi - lo + 1);
  }

  Tensor[] of(float[] a, int... shape) {
    Tensor[] t = {ref.fromHost(a, shape), gpu.fromHost(a, shape)};
    live.add(t[0]);
    live.add(t[1]);
    return t;
  }

  float[] uniform(int n, double lo, double hi) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
    return a;
  }

  Tensor[] rand(double lo, double hi, int... shape) {
    return of(uniform(size(shape), lo, hi), shape);
  }

  Tensor[] rand(int... shape) {
    return rand(-1, 1, shape);
  }

  /**
   * Random integers in [lo, hi] as floats: small integers are exact TF32 operands, so GEMMs over them are exact
   * in both math modes while every partial sum stays below 2^24.
   */
  Tensor[] ints(int lo, int hi, int... shape) {
    float[] a = new float[size(shape)];
    for (int i = 0; i < a.length; i++) a[i] = between(lo, hi);
    return of(a, shape);
  }

  /** A GPU tensor of {@code shape}, poisoned (an output no reference computes). */
  Tensor gpuOut(int... shape) {
    Tensor t = gpu.zeros(shape);
    live.add(t);
    poison(t);
    return t;
  }

  /** The GPU tensor's bits, failing on poison (an element no kernel wrote). */
  float[] written(String what, Tensor gpuTensor) {
    float[] v = gpu.toHost(gpuTensor);
    for (int e = 0; e < v.length; e++) {
      if (Float.floatToRawIntBits(v[e]) == POISON) fail(what + ": element " + e + " of " + Arrays.toString(gpuTensor.shape()) + " was never written (poison)");
    }
    return v;
  }

  /** Bit-for-bit equality of two GPU results (NaNs of equal bits included). */
  void assertSameBits(String what, Tensor expected, Tensor actual) {
    float[] x = written(what + " (expected)", expected), y = written(what, actual);
    for (int e = 0; e < x.length; e++) {
      if (Float.floatToRawIntBits(x[e]) != Float.floatToRawIntBits(y[e])) {
        fail(what + ": element " + e + " of " + Arrays.toString(actual.shape()) + ": " + y[e] + " != " + x[e] + " (bits differ)");
      }
    }
  }

  /** An output pair: reference zeros, GPU poisoned. */
  Tensor[] out(int... shape) {
    Tensor[] t = {ref.zeros(shape), gpu.zeros(shape)};
    live.add(t[0]);
    live.add(t[1]);
    poison(t[1]);
    return t;
  }

  static void poison(Tensor gpuTensor) {
    ((CudaStorage) gpuTensor.storage()).buffer().fill32(POISON);
  }

  static int size(int... shape) {
    int n = 1;
    for (int s : shape) n *= s;
    return n;
  }

  /** A random noise spec of {@code type} on both backends, per-sample levels or a scalar. */
  Noise[] noise(Noise.Type type, boolean perSample, int samples) {
    if (type == Noise.Type.NONE) return new Noise[] {Noise.NONE, Noise.NONE};
    long seed = rnd.nextLong();
    int site = rnd.nextInt() & 0x7FFFFFFF;
    int step = rnd.nextInt(1 << 20);
    float scalar = (float) (0.05 + rnd.nextDouble());
    Tensor[] sig = perSample ? of(uniform(samples, 0.05, 1.5), samples) : new Tensor[] {null, null};
    return new Noise[] {new Noise(type, scalar, sig[0], seed, site, step), new Noise(type, scalar, sig[1], seed, site, step)};
  }

  Noise.Type anyType(int i) {
    return Noise.Type.values()[i % Noise.Type.values().length];
  }

  /** |s z| (+ |s z'|) per element of an output with {@code size} elements and {@code samples} samples. */
  double[] noiseScale(Noise n, int size, int samples) {
    double[] out = new double[size];
    if (!n.enabled()) return out;
    float[] z = new float[size];
    NoiseStream.fill(n.seed(), n.site(), n.step(), 0, z, 0, size);
    float[] z2 = new float[size];
    if (n.type() == Noise.Type.COMBINED) NoiseStream.fill(n.seed(), n.site() | Noise.SECOND_STREAM, n.step(), 0, z2, 0, size);
    float[] sig = n.sigma() == null ? null : ref.toHost(n.sigma());
    int per = size / samples;
    for (int e = 0; e < size; e++) {
      double s = sig == null ? n.sigmaScalar() : sig[e / per];
      out[e] = Math.abs(s * z[e]) + Math.abs(s * z2[e]);
    }
    return out;
  }

  /** Elementwise-class comparison: |gpu - ref| <= REL (|r| + rms(r) + noise_e). */
  void compare(String what, Tensor[] t, double[] noiseScale) {
    float[] r = ref.toHost(t[0]), g = gpu.toHost(t[1]);
    double rms = rms(r);
    for (int e = 0; e < r.length; e++) {
      double allowed = REL * (Math.abs(r[e]) + rms + (noiseScale == null ? 0 : noiseScale[e]));
      check(what, t[0], e, r[e], g[e], allowed);
    }
  }

  void compare(String what, Tensor[] t) {
    compare(what, t, null);
  }

  /**
   * GEMM comparison (see the class comment): {@code absSum} is the reference op applied to |inputs| (A_e),
   * {@code k} the reduction length, {@code n} the reference noise of the output (or NONE).
   */
  /** {@link #compareTf32} when this twin's GPU computes in TF32 (the label then starts with "tf32 "), else {@link #compareGemm}. */
  void compareMath(String what, Tensor[] t, Tensor absSum, long k, Noise n, int samples) {
    if (gpu.math().tensorCores()) compareTf32(gpu.math().cliName() + " " + what, t, absSum, k, n, samples);
    else compareGemm(what, t, absSum, k, n, samples);
  }

  void compareGemm(String what, Tensor[] t, Tensor absSum, long k, Noise n, int samples) {
    float[] r = ref.toHost(t[0]), g = gpu.toHost(t[1]), a = ref.toHost(absSum);
    double[] ns = noiseScale(n, r.length, samples);
    boolean mult = n.type() == Noise.Type.MULTIPLICATIVE || n.type() == Noise.Type.COMBINED;
    for (int e = 0; e < r.length; e++) {
      double f = mult ? 1 + ns[e] : 1;
      double allowed = (k + 4) * U * Math.abs(a[e]) * f + 8 * U * (Math.abs(r[e]) + ns[e]);
      check(what, t[0], e, r[e], g[e], allowed);
    }
  }

  /**
   * TF32 operand rounding: relative error of one operand, t of the class comment — 2^-11 under --math tf32 (cvt.rna
   * to 10 stored mantissa bits), 2^-10 under tf32rz (the tensor cores truncate to them).
   */
  double tf32Unit() {
    return gpu.math().operandUnit();
  }
  /** Largest |gpu - ref| / allowed seen by {@link #compareTf32} (printed by the TF32 tests). */
  double worstTf32;

  /**
   * TF32 GEMM comparison (see the class comment): {@code absSum} is the reference op applied to |inputs| (A_e),
   * {@code k} the reduction length, {@code n} the reference noise of the output (or NONE).
   */
  void compareTf32(String what, Tensor[] t, Tensor absSum, long k, Noise n, int samples) {
    float[] r = ref.toHost(t[0]), g = gpu.toHost(t[1]), a = ref.toHost(absSum);
    double[] ns = noiseScale(n, r.length, samples);
    boolean mult = n.type() == Noise.Type.MULTIPLICATIVE || n.type() == Noise.Type.COMBINED;
    double tu = tf32Unit();
    for (int e = 0; e < r.length; e++) {
      double f = mult ? 1 + ns[e] : 1;
      double allowed = ((2 * tu + tu * tu) + 2 * (k + 4) * U) * Math.abs(a[e]) * f + 8 * U * (Math.abs(r[e]) + ns[e]);
      check(what, t[0], e, r[e], g[e], allowed);
      if (allowed > 0) worstTf32 = Math.max(worstTf32, Math.abs((double) g[e] - r[e]) / allowed);
    }
  }

  private static void check(String what, Tensor shapeOf, int e, float r, float g, double allowed) {
    if (Float.floatToRawIntBits(g) == POISON) {
      fail(what + ": element " + e + " of " + Arrays.toString(shapeOf.shape()) + " was never written (poison)");
    }
    if (Float.isNaN(r) && Float.isNaN(g)) return;
    double err = Math.abs((double) g - r);
    if (!(err <= allowed)) {
      fail(what + ": element " + e + " of " + Arrays.toString(shapeOf.shape()) + ": gpu " + g + ", ref " + r
          + ", |diff| " + err + " > allowed " + allowed);
    }
  }

  static double rms(float[] r) {
    double ss = 0;
    for (float v : r) ss += (double) v * v;
    return Math.sqrt(ss / Math.max(1, r.length));
  }

  /** A reference tensor holding |t| (for the GEMM error bound). */
  Tensor absRef(Tensor refTensor) {
    if (refTensor == null) return null;
    float[] a = ref.toHost(refTensor);
    for (int i = 0; i < a.length; i++) a[i] = Math.abs(a[i]);
    Tensor t = ref.fromHost(a, refTensor.shape());
    live.add(t);
    return t;
  }

  Tensor refZeros(int... shape) {
    Tensor t = ref.zeros(shape);
    live.add(t);
    return t;
  }

  /** Closes the tensors made so far (call between cases to keep the pool small). */
  void release() {
    for (Tensor t : live) t.close();
    live.clear();
  }

  @Override
  public void close() {
    release();
    gpu.close();
    dev.close();
  }
}
