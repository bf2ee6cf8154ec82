package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.bad;
import static dev.vant.backend.cuda.CudaBackend.requireShape;
import static dev.vant.backend.cuda.CudaBackend.requireSize;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import dev.vant.backend.StatsHandoff;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/noisy_conv2d.cu}: implicit-GEMM convolution, x [N,H,W,C] (NHWC),
 * w [K,R,S,C] (KRSC), y [N,P,Q,K]; the FP32 or the {@code _tf32} kernels by the backend's math mode.
 * <ul>
 *   <li>forward: y = noise(conv(x, w) + bias); a direct kernel where R*S*C <= 32 ({@link #direct}); else the
 *       GEMM M = N*P*Q, N = K, K = R*S*C, one write of y; or, where the
 *       output tiles alone would leave the GPU idle ({@link Gemm#kChunk}), split-K partials and one reduction
 *       that adds them in order, the bias and the noise;</li>
 *   <li>backward data: dx = conv^T(dy, w), GEMM M = N*H*W, N = C, K = R*S*K (split-K by the same rule);</li>
 *   <li>backward weight: dw, GEMM M = K, N = R*S*C, K = N*P*Q (split-K, fixed-order reduction); on wgmma
 *       ({@link Gemm#weight}) its transpose, M = R*S*C, N = K;
 *       dbias = column sums of dy [N*P*Q, K].</li>
 * </ul>
 */
final class NoisyConv2d {
  private NoisyConv2d() {}

  /**
   * The forward; with {@code stats} (non-null: a training BatchNorm reads y next) the kernels also make that
   * BatchNorm's statistics partials and fill the handoff: the GEMM kernels in their epilogue, the split-K reduction
   * where K % 4 == 0, the direct kernel per 64-row chunk where {@link #directStats}. Elsewhere the BatchNorm reads y
   * for them (same bits).
   */
  static void forward(CudaBackend b, Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y,
      StatsHandoff stats) {
    String op = "conv2dForward " + g;
    requireShape(op, "x", x, g.inputShape());
    requireShape(op, "w", w, g.weightShape());
    requireShape(op, "y", y, g.outputShape());
    if (bias != null) requireSize(op, "bias", bias, g.k());
    checkIndexRange(g);
    long m = (long) g.n() * g.p() * g.q();
    long rsc = (long) g.r() * g.s() * g.c();
    KernelArgs.NoiseArgs na = b.noise(noise, y, op);
    if (direct(g)) {
      boolean withStats = stats != null && directStats(g);
      if (stats != null && !withStats) stats.take(y);  // empty: the BatchNorm makes its own partials
      forwardDirect(b, op, g, x, w, bias, y, na, withStats ? statsPartials(b, op, g, stats) : null);
      if (withStats) stats.filled(y);
      return;
    }
    long chunk = b.gemm().forwardKChunk(m, g.k(), rsc);
    int splits = Gemm.splits(rsc, chunk);
    if (splits == 1) {
      launchForward(b, op, g, x, w, b.bufOrNull(bias, op), b.buf(y, op), 1, chunk, na, statsPartials(b, op, g, stats));
      if (stats != null) stats.filled(y);
      return;
    }
    // Too few output tiles to fill the GPU (the deep layers: 4x4 or 2x2 images, K = R*S*C up to 4608): each split
    // sums a k-range into partials; the reduction adds them in order, then the bias and the noise (and, K % 4 == 0,
    // makes the statistics).
    boolean withStats = stats != null && g.k() % 4 == 0;
    if (stats != null && !withStats) stats.take(y);  // empty: the BatchNorm makes its own partials
    try (DeviceBuffer part = b.workspace(4L * splits * m * g.k(), op + " split-K partials x" + splits)) {
      launchForward(b, op, g, x, w, null, part, splits, chunk, KernelArgs.NoiseArgs.NONE, null);
      NoisyMatmul.splitReduceNoisy(b, op, part, b.bufOrNull(bias, op), b.buf(y, op), m * g.k(), g.k(), splits, na,
          withStats ? statsPartials(b, op, g, stats) : null);
    }
    if (withStats) stats.filled(y);
  }

  /** Largest R*S*C of the direct kernel (kernels/noisy_conv2d.cu DIRECT_MAX_RSC). */
  static final int DIRECT_MAX_RSC = 32;
  /** Largest K * R*S*C of the direct kernel: its weights in shared memory (DIRECT_MAX_WEIGHTS). */
  static final int DIRECT_MAX_WEIGHTS = 8192;

  /**
   * Whether the forward runs the direct kernel ({@code noisy_conv2d_forward_direct}) instead of the implicit GEMM:
   * a reduction of at most 32 taps (the RGB stem's 27), whose GEMM is mostly overhead, in every math mode (FP32
   * FMAs in the FP32 GEMM's order: the same bits).
   */
  static boolean direct(Conv2dShape g) {
    long rsc = (long) g.r() * g.s() * g.c();
    return rsc <= DIRECT_MAX_RSC && rsc * g.k() <= DIRECT_MAX_WEIGHTS
        && (long) g.n() * g.p() * g.q() * g.k() + 3 <= Integer.MAX_VALUE;
  }

  /**
   * Whether the direct kernel can make the next BatchNorm's statistics: K % 4 == 0 (a group of 4 outputs never
   * crosses a row) and its weights plus a 64-row chunk of y fit 48 KiB of shared memory (no attribute raised).
   */
  static boolean directStats(Conv2dShape g) {
    long rsc = (long) g.r() * g.s() * g.c();
    return g.k() % 4 == 0 && 4L * (rsc + BatchNorm.STAT_ROWS) * g.k() <= 48 * 1024;
  }

  /**
   * The direct forward (package-private for the tests, which also call it where {@link #direct} says no);
   * statsPartials: null, or where {@link #directStats} holds the BatchNorm statistics' partials it makes too.
   */
  static void forwardDirect(CudaBackend b, String op, Conv2dShape g, Tensor x, Tensor w, Tensor bias, Tensor y,
      KernelArgs.NoiseArgs na, DeviceBuffer statsPartials) {
    long rsc = (long) g.r() * g.s() * g.c();
    if (rsc * g.k() > DIRECT_MAX_WEIGHTS) {  // the weights must fit the kernel's shared memory (no attribute raised)
      throw CudaBackend.bad(op, "the direct kernel holds at most " + DIRECT_MAX_WEIGHTS + " weights, K*R*S*C = " + rsc * g.k());
    }
    if (statsPartials != null && !directStats(g)) throw CudaBackend.bad(op, "the direct kernel cannot make statistics here");
    KernelArgs a = geometry(new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(w, op)).ptr(b.bufOrNull(bias, op)).ptr(b.buf(y, op)), g)
        .noise(na).ptr(statsPartials);
    long groups = ((long) g.n() * g.p() * g.q() * g.k() + 3) / 4;
    long floats = (rsc + (statsPartials != null ? BatchNorm.STAT_ROWS : 0)) * g.k();
    // 4 resident blocks per SM (64 registers): each block first copies the weights to shared memory, so a grid
    // of gridFor's usual 32 per SM would read them 8x as often (29 MB from L2 for the stem) for nothing.
    b.launch(op, "noisy_conv2d_forward_direct", b.gridFor(groups, 4), 256, (int) (4 * floats), a);
  }

  /** The implicit-GEMM forward without split-K, whatever {@link #direct} says (for the tests); stats as forward's. */
  static void forwardGemm(CudaBackend b, Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y,
      StatsHandoff stats) {
    String op = "conv2dForward (GEMM) " + g;
    long rsc = (long) g.r() * g.s() * g.c();
    launchForward(b, op, g, x, w, b.bufOrNull(bias, op), b.buf(y, op), 1, Math.max(rsc, 1), b.noise(noise, y, op),
        statsPartials(b, op, g, stats));
    if (stats != null) stats.filled(y);
  }

  /** The device pointer of {@code stats}'s partials for this conv's output (allocated to size), or null. */
  private static DeviceBuffer statsPartials(CudaBackend b, String op, Conv2dShape g, StatsHandoff stats) {
    if (stats == null) return null;
    long m = (long) g.n() * g.p() * g.q();
    return b.buf(stats.partials(b, BatchNorm.partialFloats(op, m, g.k())), op + " statistics partials");
  }

  private static void launchForward(CudaBackend b, String op, Conv2dShape g, Tensor x, Tensor w, DeviceBuffer bias,
      DeviceBuffer dst, int splits, long chunk, KernelArgs.NoiseArgs na, DeviceBuffer statsPartials) {
    KernelArgs a = geometry(new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(w, op)).ptr(bias).ptr(dst), g).i(splits).l(chunk)
        .noise(na).i(b.math().tf32RoundArg()).ptr(statsPartials);
    long m = (long) g.n() * g.p() * g.q();
    Gemm gemm = b.gemm();
    Gemm.Variant f = gemm.forward(g.k(), splits == 1 && na.type() != KernelArgs.NoiseArgs.NONE.type());
    b.launch(op, "noisy_conv2d_forward" + f.suffix(), gemm.forwardTiles(m, g.k()) * splits, Gemm.THREADS,
        f.sharedBytes(), a);
  }

  /** dx = the data gradient, plus {@code addend} (null: none) in the same pass: the epilogue, or the split-K reduce. */
  static void backwardData(CudaBackend b, Conv2dShape g, Tensor dy, Tensor w, Tensor dx, Tensor addend) {
    String op = "conv2dBackwardData " + g + (addend != null ? " + addend" : "");
    requireShape(op, "dy", dy, g.outputShape());
    requireShape(op, "w", w, g.weightShape());
    requireShape(op, "dx", dx, g.inputShape());
    if (addend == dx) throw bad(op, "addend is dx");
    if (addend != null) requireShape(op, "addend", addend, g.inputShape());
    DeviceBuffer add = addend != null ? b.buf(addend, op) : null;
    checkIndexRange(g);  // before the weight transpose below
    long m = (long) g.n() * g.h() * g.w();
    long rsk = (long) g.r() * g.s() * g.k();
    Gemm gemm = b.gemm();
    Gemm.Variant v = gemm.data(g.c());
    long chunk = gemm.kChunk(v, m, g.c(), rsk);
    int splits = Gemm.splits(rsk, chunk);
    // The wgmma kernels read the weights transposed, [C][R][S][K] (contiguous in the GEMM's k, as their tf32 needs).
    try (DeviceBuffer wt = v.wgmma() ? b.workspace(4L * w.size(), op + " transposed weights") : null) {
      DeviceBuffer wb = b.buf(w, op);
      if (wt != null) {
        // w [K][R*S][C] -> wT [C][R*S][K]: one [K][C] -> [C][K] transpose per tap.
        int rs = g.r() * g.s();
        NoisyMatmul.transposeTf32(b, op, wb, wt, g.k(), g.c(), rs, g.c(), (long) rs * g.c(), g.k(), (long) rs * g.k());
        wb = wt;
      }
      if (splits == 1) {
        launchData(b, op, g, dy, wb, b.buf(dx, op), add, v, 1, chunk);
        return;
      }
      try (DeviceBuffer part = b.workspace(4L * splits * m * g.c(), op + " split-K partials x" + splits)) {
        launchData(b, op, g, dy, wb, part, null, v, splits, chunk);
        NoisyMatmul.splitReduce(b, op, part, b.buf(dx, op), m * g.c(), splits, add);
      }
    }
  }

  private static void launchData(CudaBackend b, String op, Conv2dShape g, Tensor dy, DeviceBuffer w, DeviceBuffer dst,
      DeviceBuffer add, Gemm.Variant v, int splits, long chunk) {
    long m = (long) g.n() * g.h() * g.w();
    // Stride 1 has its own entry point: no division by the stride and no stride holes in the gathers of dy.
    String kernel = (g.stride() == 1 ? "conv2d_backward_data_s1" : "conv2d_backward_data") + v.suffix();
    b.launch(op, kernel, b.gemm().tiles(v, m, g.c()) * splits, Gemm.THREADS, v.sharedBytes(),
        geometry(new KernelArgs().ptr(b.buf(dy, op)).ptr(w).ptr(dst).ptr(add), g).i(splits).l(chunk).i(b.math().tf32RoundArg()));
  }

  static void backwardWeight(CudaBackend b, Conv2dShape g, Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    String op = "conv2dBackwardWeight " + g;
    requireShape(op, "x", x, g.inputShape());
    requireShape(op, "dy", dy, g.outputShape());
    requireShape(op, "dw", dw, g.weightShape());
    if (dbias != null) requireSize(op, "dbias", dbias, g.k());
    long rsc = (long) g.r() * g.s() * g.c();
    long npq = (long) g.n() * g.p() * g.q();
    Gemm gemm = b.gemm();
    Gemm.Variant v = gemm.weight(g.c() % 4 == 0 && g.k() % 4 == 0, g.k());  // wgmma: whole 4-channel chunks of x and dy
    long chunk = gemm.weightKChunk(v, g.k(), rsc, npq);
    int splits = Gemm.splits(npq, chunk);
    DeviceBuffer dDw = b.buf(dw, op);
    if (splits == 1) {
      launchWeight(b, op, g, x, dy, dDw, v, 1, chunk);
    } else {
      try (DeviceBuffer part = b.workspace(4L * splits * g.k() * rsc, op + " split-K partials x" + splits)) {
        launchWeight(b, op, g, x, dy, part, v, splits, chunk);
        NoisyMatmul.splitReduce(b, op, part, dDw, g.k() * rsc, splits);
      }
    }
    if (dbias != null) BiasGrad.columnSums(b, op + " dbias", dy, npq, g.k(), dbias);
  }

  private static void launchWeight(CudaBackend b, String op, Conv2dShape g, Tensor x, Tensor dy, DeviceBuffer dst,
      Gemm.Variant v, int splits, long chunk) {
    KernelArgs a = geometry(new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(dy, op)).ptr(dst), g).i(splits).l(chunk)
        .i(b.math().tf32RoundArg());
    long tiles = b.gemm().weightTiles(v, g.k(), (long) g.r() * g.s() * g.c());
    b.launch(op, "conv2d_backward_weight" + v.suffix(), tiles * splits, Gemm.THREADS, v.sharedBytes(), a);
  }

  private static KernelArgs geometry(KernelArgs a, Conv2dShape g) {
    checkIndexRange(g);
    return a.i(g.n()).i(g.h()).i(g.w()).i(g.c()).i(g.k()).i(g.r()).i(g.s()).i(g.stride()).i(g.pad()).i(g.p()).i(g.q());
  }

  /** The kernels' 32-bit index limits; throws naming the shape and the limit it exceeds. */
  static void checkIndexRange(Conv2dShape g) {
    // The kernels index GEMM rows (N*H*W, N*P*Q) and columns in 32 bits and split them with FastDiv (< 2^31).
    long rows = Math.max((long) g.n() * g.h() * g.w(), (long) g.n() * g.p() * g.q());
    long cols = Math.max((long) g.r() * g.s() * g.c(), (long) g.r() * g.s() * g.k());
    if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
      throw CudaBackend.bad("conv2d " + g, "N*H*W = " + rows + " or R*S*C = " + cols + " exceeds 2^31 - 1, the GPU "
          + "kernels' 32-bit row and column index: split the batch");
    }
    // The TF32 gathers address elements within one image of x or dy with 32-bit offsets from the padded corner.
    long image = (long) (g.h() + 2L * g.pad()) * (g.w() + 2L * g.pad()) * Math.max(g.c(), g.k());
    if (image > Integer.MAX_VALUE) {
      throw CudaBackend.bad("conv2d " + g, "one padded image, (H+2*pad)*(W+2*pad)*max(C,K) = " + image
          + ", exceeds 2^31 - 1, the GPU kernels' 32-bit offset within an image");
    }
  }
}
