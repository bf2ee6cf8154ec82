package dev.vant.backend.cpu;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.Backend;
import dev.vant.backend.Conv2dShape;
import dev.vant.backend.JoinInput;
import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.backend.SgdConfig;
import dev.vant.backend.Shapes;
import dev.vant.random.NoiseStream;
import dev.vant.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The fast CPU backend: float[] storage ({@link FloatStorage}), multi-threaded, conv and linear through
 * OpenBLAS SGEMM, and the fused epilogues of the GPU plan (conv + bias + noise, linear + bias + noise,
 * BN + ReLU + noise, add + ReLU + noise, pool + noise) done in the same pass over each chunk.
 *
 * <p>Shape legend as in {@link ReferenceBackend}: N, H, W, C in; K, P, Q out; R x S kernel; M rows per
 * channel for BatchNorm.
 *
 * <p>Determinism: every parallel loop is cut into chunks that depend only on the shapes ({@link Parallel});
 * reductions (BN statistics, bias and weight gradients) are summed per chunk and then combined in chunk
 * order, so the results are bit-identical for any thread count. Arithmetic is float32 like the GPU,
 * except that per-channel statistics and small reductions accumulate in double.
 *
 * <p>A backend instance is used by one thread at a time (it parallelizes internally).
 */
public final class FastBackend implements Backend {
  /** Elements per chunk of elementwise ops. */
  private static final int ELEMS = 1 << 15;
  /** Target elements per chunk of row-wise ops (BN, pooling, column sums). */
  private static final int ROW_ELEMS = 1 << 15;

  private final Parallel par;
  private final FastConv2d conv;
  private FloatBuffer linA = Blas.direct(1), linB = Blas.direct(1), linC = Blas.direct(1);

  /** A fast backend on all cores ({@code Runtime.availableProcessors()} threads). */
  public FastBackend() {
    this(Runtime.getRuntime().availableProcessors());
  }

  /** A fast backend on {@code threads} threads (>= 1); results do not depend on the number. */
  public FastBackend(int threads) {
    this(threads, FastConv2d.CHUNK_FLOATS, FastConv2d.SEGMENT_FLOATS);
  }

  /** Tests: small conv chunks and segments, so small shapes exercise the chunked and segmented paths. */
  FastBackend(int threads, long convChunkFloats, long convSegmentFloats) {
    Blas.requireLoaded();
    this.par = new Parallel(threads);
    this.conv = new FastConv2d(par, convChunkFloats, convSegmentFloats);
  }

  public int threads() {
    return par.threads();
  }

  @Override
  public String name() {
    return "cpu-fast";
  }

  private static float[] f(String op, String name, Tensor t) {
    if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null");
    if (t.storage() instanceof FloatStorage s) return s.data;
    throw new IllegalArgumentException(op + ": " + name + " " + Arrays.toString(t.shape())
        + " does not live on the cpu-fast backend (" + t.storage().device() + ", " + t.storage().getClass().getSimpleName() + ")");
  }

  private static float[] sigma(String op, Noise nz, int samples) {
    Shapes.noise(op, nz, samples);
    return nz.enabled() && nz.sigma() != null ? f(op, "noise.sigma", nz.sigma()) : null;
  }

  /** Runs body(start, len) over [0, total) in fixed chunks of {@code chunk} elements. */
  private void ranges(long total, int chunk, RangeBody body) {
    par.forEach(Parallel.chunks(total, chunk), i -> {
      int start = i * chunk;
      body.run(start, (int) Math.min(chunk, total - start));
    });
  }

  private interface RangeBody {
    void run(int start, int len);
  }

  // ---- memory -------------------------------------------------------------------------------------

  @Override
  public Tensor zeros(int... shape) {
    long n = 1;
    for (int s : shape) {
      if (s < 0) throw new IllegalArgumentException("zeros: negative dimension in shape " + Arrays.toString(shape));
      n *= s;
    }
    if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("zeros: shape " + Arrays.toString(shape) + " too large for the CPU backend");
    return new Tensor(new FloatStorage((int) n), shape);
  }

  @Override
  public Tensor fromHost(float[] data, int... shape) {
    Tensor t = zeros(shape);
    if (data.length != t.size()) {
      throw new IllegalArgumentException("fromHost: " + data.length + " floats for shape " + Arrays.toString(shape) + " (" + t.size() + " elements)");
    }
    System.arraycopy(data, 0, f("fromHost", "t", t), 0, data.length);
    return t;
  }

  @Override
  public void toHost(Tensor t, float[] dst) {
    if (dst.length < t.size()) throw new IllegalArgumentException("toHost: dst has " + dst.length + " floats, tensor " + Arrays.toString(t.shape()) + " has " + t.size());
    System.arraycopy(f("toHost", "t", t), 0, dst, 0, (int) t.size());
  }

  @Override
  public void copy(Tensor src, Tensor dst) {
    Shapes.requireSize("copy", "dst", dst, src.size());
    System.arraycopy(f("copy", "src", src), 0, f("copy", "dst", dst), 0, (int) src.size());
  }

  @Override
  public void fill(Tensor t, float value) {
    Arrays.fill(f("fill", "t", t), 0, (int) t.size(), value);
  }

  // ---- noise --------------------------------------------------------------------------------------

  private static int samples(Tensor t) {
    return t.rank() == 0 ? 1 : t.dim(0);
  }

  @Override
  public void noiseForward(Tensor x, Noise noise, Tensor y) {
    String op = "noiseForward";
    Shapes.same(op, "x", x, "y", y);
    float[] xs = f(op, "x", x), ys = f(op, "y", y), sig = sigma(op, noise, samples(x));
    int per = (int) (x.size() / Math.max(1, samples(x)));
    ranges(x.size(), ELEMS, (s, n) -> {
      if (xs != ys) System.arraycopy(xs, s, ys, s, n);
      FastNoise.apply(noise, sig, per, ys, s, s, n);
    });
  }

  @Override
  public void noiseBackward(Noise noise, Tensor dy, Tensor dx) {
    String op = "noiseBackward";
    Shapes.same(op, "dy", dy, "dx", dx);
    float[] gy = f(op, "dy", dy), gx = f(op, "dx", dx), sig = sigma(op, noise, samples(dy));
    int per = (int) (dy.size() / Math.max(1, samples(dy)));
    ranges(dy.size(), ELEMS, (s, n) -> FastNoise.backward(noise, sig, per, gy, gx, s, n));
  }

  @Override
  public void sampleSigmas(long seed, int site, int step, float base, float theta, Tensor sigma) {
    float[] s = f("sampleSigmas", "sigma", sigma);
    int n = (int) sigma.size();
    float[] z = new float[n];
    NoiseStream.fill(seed, site, step, 0, z, 0, n);
    for (int i = 0; i < n; i++) s[i] = Math.fma(theta, Math.abs(z[i]), base);
  }

  // ---- convolution --------------------------------------------------------------------------------

  @Override
  public void conv2dForward(Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y) {
    String op = "conv2dForward " + g;
    Shapes.require(op, "x", x, g.inputShape());
    Shapes.require(op, "w", w, g.weightShape());
    Shapes.require(op, "y", y, g.outputShape());
    if (bias != null) Shapes.require(op, "bias", bias, g.k());
    conv.forward(g, f(op, "x", x), f(op, "w", w), bias == null ? null : f(op, "bias", bias), noise,
        sigma(op, noise, g.n()), f(op, "y", y));
  }

  @Override
  public void conv2dBackwardData(Conv2dShape g, Tensor dy, Tensor w, Tensor dx) {
    String op = "conv2dBackwardData " + g;
    Shapes.require(op, "dy", dy, g.outputShape());
    Shapes.require(op, "w", w, g.weightShape());
    Shapes.require(op, "dx", dx, g.inputShape());
    conv.backwardData(g, f(op, "dy", dy), f(op, "w", w), f(op, "dx", dx));
  }

  @Override
  public void conv2dBackwardWeight(Conv2dShape g, Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    String op = "conv2dBackwardWeight " + g;
    Shapes.require(op, "x", x, g.inputShape());
    Shapes.require(op, "dy", dy, g.outputShape());
    Shapes.require(op, "dw", dw, g.weightShape());
    if (dbias != null) Shapes.require(op, "dbias", dbias, g.k());
    conv.backwardWeight(g, f(op, "x", x), f(op, "dy", dy), f(op, "dw", dw), dbias == null ? null : f(op, "dbias", dbias));
  }

  /**
   * out[c] = sum over rows of m[rows, cols] (row-major), accumulated in double per fixed chunk of rows
   * and combined in chunk order: deterministic for any thread count.
   */
  static void columnSums(Parallel par, float[] m, int rows, int cols, float[] out) {
    int rowsPer = Math.max(1, ROW_ELEMS / cols);
    int chunks = Parallel.chunks(rows, rowsPer);
    double[][] part = new double[chunks][cols];
    par.forEach(chunks, ci -> {
      double[] p = part[ci];
      int r1 = Math.min(rows, (ci + 1) * rowsPer);
      for (int r = ci * rowsPer; r < r1; r++) {
        int o = r * cols;
        for (int c = 0; c < cols; c++) p[c] += m[o + c];
      }
    });
    for (int c = 0; c < cols; c++) {
      double s = 0;
      for (double[] p : part) s += p[c];
      out[c] = (float) s;
    }
  }

  // ---- linear -------------------------------------------------------------------------------------

  /** Rows of x per linear chunk. */
  private static final int LIN_ROWS = 64;

  private FloatBuffer linW(float[] w, int n) {
    if (linB.capacity() < n) linB = Blas.direct(n);
    linB.put(0, w, 0, n);
    return linB;
  }

  @Override
  public void linearForward(Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y) {
    String op = "linearForward";
    int[] xm = Shapes.matrix(op, "x", x);
    if (w == null || w.rank() != 2) throw new IllegalArgumentException(op + ": w must be [OUT, IN], got " + (w == null ? "null" : Arrays.toString(w.shape())));
    int n = xm[0], in = xm[1], out = w.dim(0);
    Shapes.require(op, "w", w, out, in);
    Shapes.requireSize(op, "y", y, (long) n * out);
    Shapes.matrix(op, "y", y);
    if (bias != null) Shapes.require(op, "bias", bias, out);
    float[] xs = f(op, "x", x), ys = f(op, "y", y), bs = bias == null ? null : f(op, "bias", bias);
    float[] sig = sigma(op, noise, n);
    FloatBuffer wn = linW(f(op, "w", w), out * in);
    par.forEach(Parallel.chunks(n, LIN_ROWS), ci -> {
      int r0 = ci * LIN_ROWS, rows = Math.min(LIN_ROWS, n - r0);
      Scratch sc = Scratch.get();
      FloatBuffer a = sc.a((long) rows * in), c = sc.c((long) rows * out);
      a.put(0, xs, r0 * in, rows * in);
      Blas.sgemm(false, true, rows, out, in, 1f, a, 0, in, wn, 0, in, 0f, c, 0, out);
      int off = r0 * out, len = rows * out;
      c.get(0, ys, off, len);
      if (bs != null) {
        for (int i = 0; i < len; i += out) for (int o = 0; o < out; o++) ys[off + i + o] += bs[o];
      }
      FastNoise.apply(noise, sig, out, ys, off, off, len);
    });
  }

  @Override
  public void linearBackwardData(Tensor dy, Tensor w, Tensor dx) {
    String op = "linearBackwardData";
    int[] gm = Shapes.matrix(op, "dy", dy);
    int[] xm = Shapes.matrix(op, "dx", dx);
    int n = gm[0], out = gm[1], in = xm[1];
    if (xm[0] != n) throw new IllegalArgumentException(op + ": dy " + Arrays.toString(dy.shape()) + " and dx " + Arrays.toString(dx.shape()) + " differ in N");
    Shapes.require(op, "w", w, out, in);
    float[] gy = f(op, "dy", dy), gx = f(op, "dx", dx);
    FloatBuffer wn = linW(f(op, "w", w), out * in);
    par.forEach(Parallel.chunks(n, LIN_ROWS), ci -> {
      int r0 = ci * LIN_ROWS, rows = Math.min(LIN_ROWS, n - r0);
      Scratch sc = Scratch.get();
      FloatBuffer a = sc.a((long) rows * out), c = sc.c((long) rows * in);
      a.put(0, gy, r0 * out, rows * out);
      Blas.sgemm(false, false, rows, in, out, 1f, a, 0, out, wn, 0, in, 0f, c, 0, in);
      c.get(0, gx, r0 * in, rows * in);
    });
  }

  @Override
  public void linearBackwardWeight(Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    String op = "linearBackwardWeight";
    int[] xm = Shapes.matrix(op, "x", x);
    int[] gm = Shapes.matrix(op, "dy", dy);
    int n = xm[0], in = xm[1], out = gm[1];
    if (gm[0] != n) throw new IllegalArgumentException(op + ": x " + Arrays.toString(x.shape()) + " and dy " + Arrays.toString(dy.shape()) + " differ in N");
    Shapes.require(op, "dw", dw, out, in);
    if (dbias != null) Shapes.require(op, "dbias", dbias, out);
    float[] xs = f(op, "x", x), gy = f(op, "dy", dy), gw = f(op, "dw", dw);
    if (linA.capacity() < (long) n * out) linA = Blas.direct((long) n * out);
    if (linB.capacity() < (long) n * in) linB = Blas.direct((long) n * in);
    if (linC.capacity() < (long) out * in) linC = Blas.direct((long) out * in);
    FloatBuffer a = linA, b = linB, c = linC;
    a.put(0, gy, 0, n * out);
    b.put(0, xs, 0, n * in);
    // One SGEMM per fixed block of output rows, each over the whole batch: no cross-thread reduction.
    par.forEach(Parallel.chunks(out, LIN_ROWS), bi -> {
      int o0 = bi * LIN_ROWS, ol = Math.min(LIN_ROWS, out - o0);
      Blas.sgemm(true, false, ol, in, n, 1f, a, o0, out, b, 0, in, 0f, c, o0 * in, in);
    });
    c.get(0, gw, 0, out * in);
    if (dbias != null) columnSums(par, gy, n, out, f(op, "dbias", dbias));
  }

  // ---- batch normalization ------------------------------------------------------------------------

  private static int[] bnShape(String op, Tensor x, Tensor... perChannel) {
    int[] s = Shapes.nhwc(op, "x", x);
    String[] names = {"gamma", "beta", "runningMean", "runningVar", "saveMean", "saveInvStd"};
    for (int i = 0; i < perChannel.length; i++) Shapes.require(op, names[i], perChannel[i], s[3]);
    return s;
  }

  /** Per-channel sums of (x - shift)^power over the rows, double, chunked (power 1 or 2). */
  private double[] channelSums(float[] x, int rows, int cols, double[] shift, int power) {
    int rowsPer = Math.max(1, ROW_ELEMS / cols);
    int chunks = Parallel.chunks(rows, rowsPer);
    double[][] part = new double[chunks][cols];
    par.forEach(chunks, ci -> {
      double[] p = part[ci];
      int r1 = Math.min(rows, (ci + 1) * rowsPer);
      for (int r = ci * rowsPer; r < r1; r++) {
        int o = r * cols;
        if (power == 1) {
          for (int c = 0; c < cols; c++) p[c] += x[o + c];
        } else {
          for (int c = 0; c < cols; c++) {
            double t = x[o + c] - shift[c];
            p[c] += t * t;
          }
        }
      }
    });
    double[] out = new double[cols];
    for (double[] p : part) for (int c = 0; c < cols; c++) out[c] += p[c];
    return out;
  }

  /**
   * y = noise(relu?((x - mean[c]) * scale[c] + beta[c])) over rows, chunked. Subtracting the mean first
   * (not folding it into a shift) keeps the result accurate when |mean| >> std.
   */
  private void affine(float[] xs, float[] mean, float[] scale, float[] shift, boolean relu, Noise nz, float[] sig, int perSample,
      float[] ys, int rows, int C) {
    int rowsPer = Math.max(1, ROW_ELEMS / C);
    par.forEach(Parallel.chunks(rows, rowsPer), ci -> {
      int r0 = ci * rowsPer, r1 = Math.min(rows, r0 + rowsPer);
      for (int r = r0; r < r1; r++) {
        int o = r * C;
        for (int c = 0; c < C; c++) {
          float v = Math.fma(xs[o + c] - mean[c], scale[c], shift[c]);
          ys[o + c] = relu ? reluValue(v) : v;
        }
      }
      FastNoise.apply(nz, sig, perSample, ys, r0 * C, (long) r0 * C, (r1 - r0) * C);
    });
  }

  private static float reluValue(float v) {
    return v > 0 || v != v ? v : 0f;
  }

  @Override
  public void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Noise noise, Tensor y) {
    String op = "batchNormTrainForward";
    int[] s = bnShape(op, x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd);
    Shapes.same(op, "x", x, "y", y);
    int C = s[3], M = s[0] * s[1] * s[2];
    if (M < 2) throw new IllegalArgumentException(op + ": x " + Arrays.toString(x.shape()) + " has " + M + " value per channel; training needs more than 1");
    float[] ga = f(op, "gamma", gamma), be = f(op, "beta", beta);
    float[] sm = f(op, "saveMean", saveMean), si = f(op, "saveInvStd", saveInvStd);
    trainStatistics(op, x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd);
    float[] scale = new float[C];
    for (int c = 0; c < C; c++) scale[c] = ga[c] * si[c];
    affine(f(op, "x", x), sm, scale, be, relu, noise, sigma(op, noise, s[0]), s[1] * s[2] * C, f(op, "y", y), M, C);
  }

  @Override
  public void batchNormTrainStatistics(Tensor x, Tensor runningMean, Tensor runningVar, float momentum, float eps,
      Tensor saveMean, Tensor saveInvStd) {
    String op = "batchNormTrainStatistics";
    Shapes.requireStatistics(op, x, runningMean, runningVar, saveMean, saveInvStd);
    trainStatistics(op, x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd);
  }

  /** Batch mean and 1/sqrt(biased variance + eps) into saveMean, saveInvStd; running statistics updated. */
  private void trainStatistics(String op, Tensor x, Tensor runningMean, Tensor runningVar, float momentum, float eps,
      Tensor saveMean, Tensor saveInvStd) {
    int M = Shapes.statisticsRows(op, x), C = x.shape()[x.shape().length - 1];
    float[] xs = f(op, "x", x);
    float[] rm = f(op, "runningMean", runningMean), rv = f(op, "runningVar", runningVar);
    float[] sm = f(op, "saveMean", saveMean), si = f(op, "saveInvStd", saveInvStd);
    double[] mean = channelSums(xs, M, C, null, 1);
    for (int c = 0; c < C; c++) mean[c] /= M;
    double[] sq = channelSums(xs, M, C, mean, 2);
    for (int c = 0; c < C; c++) {
      double var = sq[c] / M;
      sm[c] = (float) mean[c];
      si[c] = (float) (1.0 / Math.sqrt(var + eps));
      rm[c] = (float) ((1 - (double) momentum) * rm[c] + momentum * mean[c]);
      rv[c] = (float) ((1 - (double) momentum) * rv[c] + momentum * (sq[c] / (M - 1)));
    }
  }

  /** The inference forward's per-channel scale: gamma / sqrt(runningVar + eps), rounded as that forward rounds it. */
  private static float[] inferenceScale(float[] ga, float[] rv, float eps) {
    float[] scale = new float[ga.length];
    for (int c = 0; c < ga.length; c++) scale[c] = ga[c] * (float) (1.0 / Math.sqrt((double) rv[c] + eps));
    return scale;
  }

  @Override
  public void batchNormInferenceForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float eps, boolean relu, Noise noise, Tensor y) {
    String op = "batchNormInferenceForward";
    int[] s = bnShape(op, x, gamma, beta, runningMean, runningVar);
    Shapes.same(op, "x", x, "y", y);
    int C = s[3], M = s[0] * s[1] * s[2];
    float[] ga = f(op, "gamma", gamma), be = f(op, "beta", beta), rm = f(op, "runningMean", runningMean), rv = f(op, "runningVar", runningVar);
    float[] scale = inferenceScale(ga, rv, eps);
    affine(f(op, "x", x), rm, scale, be, relu, noise, sigma(op, noise, s[0]), s[1] * s[2] * C, f(op, "y", y), M, C);
  }

  @Override
  public void batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor beta, Tensor saveMean, Tensor saveInvStd,
      boolean relu, Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dxSums) {
    String op = "batchNormBackward";
    int[] s = Shapes.nhwc(op, "x", x);
    int C = s[3], M = s[0] * s[1] * s[2];
    Shapes.same(op, "x", x, "dy", dy);
    Shapes.same(op, "x", x, "dx", dx);
    for (Object[] e : new Object[][] {{"gamma", gamma}, {"beta", beta}, {"saveMean", saveMean}, {"saveInvStd", saveInvStd}, {"dgamma", dgamma}, {"dbeta", dbeta}}) {
      Shapes.require(op, (String) e[0], (Tensor) e[1], C);
    }
    float[] gy = f(op, "dy", dy), xs = f(op, "x", x), ga = f(op, "gamma", gamma), be = f(op, "beta", beta);
    float[] sm = f(op, "saveMean", saveMean), si = f(op, "saveInvStd", saveInvStd), gx = f(op, "dx", dx);
    float[] gg = f(op, "dgamma", dgamma), gb = f(op, "dbeta", dbeta);
    float[] scale = new float[C];
    for (int c = 0; c < C; c++) scale[c] = ga[c] * si[c];
    int rowsPer = Math.max(1, ROW_ELEMS / C);
    int chunks = Parallel.chunks(M, rowsPer);
    double[][] pG = new double[chunks][C], pGX = new double[chunks][C];
    par.forEach(chunks, ci -> {
      double[] a = pG[ci], b = pGX[ci];
      int r1 = Math.min(M, (ci + 1) * rowsPer);
      for (int r = ci * rowsPer; r < r1; r++) {
        int o = r * C;
        for (int c = 0; c < C; c++) {
          float g = gy[o + c];
          // ReLU mask recomputed from the forward's pre-activation (same fma as the forward).
          if (relu && !(Math.fma(xs[o + c] - sm[c], scale[c], be[c]) > 0)) g = 0;
          a[c] += g;
          b[c] += g * ((xs[o + c] - sm[c]) * si[c]);
        }
      }
    });
    float[] k1 = new float[C], k2 = new float[C], k3 = new float[C];
    for (int c = 0; c < C; c++) {
      double sG = 0, sGX = 0;
      for (int i = 0; i < chunks; i++) {
        sG += pG[i][c];
        sGX += pGX[i][c];
      }
      gb[c] = (float) sG;
      gg[c] = (float) sGX;
      // dx = gamma*invStd * (g - sG/M - xhat * sGX/M)
      k1[c] = scale[c];
      k2[c] = (float) (sG / M);
      k3[c] = (float) (sGX / M);
    }
    par.forEach(chunks, ci -> {
      int r1 = Math.min(M, (ci + 1) * rowsPer);
      for (int r = ci * rowsPer; r < r1; r++) {
        int o = r * C;
        for (int c = 0; c < C; c++) {
          float g = gy[o + c];
          if (relu && !(Math.fma(xs[o + c] - sm[c], scale[c], be[c]) > 0)) g = 0;
          float xhat = (xs[o + c] - sm[c]) * si[c];
          gx[o + c] = k1[c] * (g - k2[c] - xhat * k3[c]);
        }
      }
    });
    if (dxSums != null) {
      Shapes.require(op, "dxSums", dxSums, C);
      columnSums(par, gx, M, C, f(op, "dxSums", dxSums));  // conv2dBackwardWeight's bias sums, on dx
    }
  }

  // ---- elementwise --------------------------------------------------------------------------------

  @Override
  public void reluForward(Tensor x, Noise noise, Tensor y) {
    String op = "reluForward";
    Shapes.same(op, "x", x, "y", y);
    float[] xs = f(op, "x", x), ys = f(op, "y", y), sig = sigma(op, noise, samples(x));
    int per = (int) (x.size() / samples(x));
    ranges(x.size(), ELEMS, (s, n) -> {
      for (int i = s; i < s + n; i++) ys[i] = reluValue(xs[i]);
      FastNoise.apply(noise, sig, per, ys, s, s, n);
    });
  }

  @Override
  public void reluBackward(Tensor dy, Tensor x, Tensor dx) {
    String op = "reluBackward";
    Shapes.same(op, "x", x, "dy", dy);
    Shapes.same(op, "x", x, "dx", dx);
    float[] gy = f(op, "dy", dy), xs = f(op, "x", x), gx = f(op, "dx", dx);
    ranges(x.size(), ELEMS, (s, n) -> {
      for (int i = s; i < s + n; i++) gx[i] = xs[i] > 0 ? gy[i] : 0f;
    });
  }

  @Override
  public void addReluForward(JoinInput a, JoinInput b, Noise noise, Tensor y) {
    String op = "addReluForward";
    Shapes.same(op, "a", a.x(), "b", b.x());
    Shapes.same(op, "a", a.x(), "y", y);
    JoinValues va = joinValues(op, "a", a), vb = joinValues(op, "b", b);
    float[] ys = f(op, "y", y), sig = sigma(op, noise, samples(y));
    int per = (int) (y.size() / samples(y));
    ranges(y.size(), ELEMS, (s, n) -> {
      float[] t = new float[n];
      va.load(t, s);
      vb.addTo(t, s);
      for (int i = 0; i < n; i++) ys[s + i] = reluValue(t[i]);
      FastNoise.apply(noise, sig, per, ys, s, s, n);
    });
  }

  @Override
  public void addReluBackward(Tensor dy, JoinInput a, JoinInput b, Tensor dx) {
    String op = "addReluBackward";
    Shapes.same(op, "a", a.x(), "b", b.x());
    Shapes.same(op, "a", a.x(), "dy", dy);
    Shapes.same(op, "a", a.x(), "dx", dx);
    JoinValues va = joinValues(op, "a", a), vb = joinValues(op, "b", b);
    float[] gy = f(op, "dy", dy), gx = f(op, "dx", dx);
    ranges(dy.size(), ELEMS, (s, n) -> {
      float[] t = new float[n];
      va.load(t, s);
      vb.addTo(t, s);
      for (int i = 0; i < n; i++) gx[s + i] = t[i] > 0 ? gy[s + i] : 0f;
    });
  }

  /**
   * What a join reads from one input at element i: x[i], or x[i] normalized as this backend's BatchNorm forward
   * writes it (same fma, same per-channel scale), so fused and unfused joins agree bit for bit.
   */
  private record JoinValues(float[] x, float[] mean, float[] scale, float[] shift) {
    /** t[i] = the value of element s + i, for the length of t. */
    void load(float[] t, int s) {
      if (mean == null) {
        System.arraycopy(x, s, t, 0, t.length);
        return;
      }
      for (int i = 0, c = s % mean.length; i < t.length; i++, c = c + 1 == mean.length ? 0 : c + 1) {
        t[i] = Math.fma(x[s + i] - mean[c], scale[c], shift[c]);
      }
    }

    /** t[i] += the value of element s + i (one float addition, as a + b). */
    void addTo(float[] t, int s) {
      if (mean == null) {
        for (int i = 0; i < t.length; i++) t[i] += x[s + i];
        return;
      }
      for (int i = 0, c = s % mean.length; i < t.length; i++, c = c + 1 == mean.length ? 0 : c + 1) {
        t[i] += Math.fma(x[s + i] - mean[c], scale[c], shift[c]);
      }
    }
  }

  private JoinValues joinValues(String op, String name, JoinInput in) {
    float[] xs = f(op, name, in.x());
    if (!in.normalized()) return new JoinValues(xs, null, null, null);
    int C = Shapes.nhwc(op, name, in.x())[3];
    Shapes.requireEach(op, C, new String[] {name + ".gamma", name + ".beta", name + ".mean", name + ".scale"},
        in.gamma(), in.beta(), in.mean(), in.scale());
    float[] ga = f(op, name + ".gamma", in.gamma()), sc = f(op, name + ".scale", in.scale());
    float[] scale;
    if (in.fromVariance()) {
      scale = inferenceScale(ga, sc, in.eps());
    } else {
      scale = new float[C];
      for (int c = 0; c < C; c++) scale[c] = ga[c] * sc[c];
    }
    return new JoinValues(xs, f(op, name + ".mean", in.mean()), scale, f(op, name + ".beta", in.beta()));
  }

  // ---- pooling ------------------------------------------------------------------------------------

  /** Position r * size + s of the first maximum of window (n, p, q, c), -1 if none; NaN wins (propagates). */
  private static int argmax(PoolShape g, float[] xs, int n, int p, int q, int c) {
    int best = -1;
    float bv = 0;
    for (int i = 0; i < g.size(); i++) {
      int ih = p * g.stride() - g.pad() + i;
      if (ih < 0 || ih >= g.h()) continue;
      for (int j = 0; j < g.size(); j++) {
        int iw = q * g.stride() - g.pad() + j;
        if (iw < 0 || iw >= g.w()) continue;
        float v = xs[((n * g.h() + ih) * g.w() + iw) * g.c() + c];
        if (best < 0 || v > bv || (v != v && bv == bv)) {
          best = i * g.size() + j;
          bv = v;
        }
      }
    }
    return best;
  }

  @Override
  public void maxPoolForward(PoolShape g, Tensor x, Noise noise, Tensor y, Tensor argmax) {
    String op = "maxPoolForward " + g;
    Shapes.require(op, "x", x, g.n(), g.h(), g.w(), g.c());
    Shapes.require(op, "y", y, g.outputShape());
    if (argmax != null) {
      Shapes.require(op, "argmax", argmax, g.outputShape());
      Shapes.distinct(op, "argmax", argmax, "y", y);
      Shapes.distinct(op, "argmax", argmax, "x", x);
    }
    float[] xs = f(op, "x", x), ys = f(op, "y", y), sig = sigma(op, noise, g.n());
    float[] ws = argmax == null ? null : f(op, "argmax", argmax);
    int P = g.p(), Q = g.q(), C = g.c(), per = P * Q * C;
    par.forEach(g.n() * P, ci -> {
      int n = ci / P, p = ci % P;
      int o0 = (n * P + p) * Q * C;
      for (int q = 0; q < Q; q++)
        for (int c = 0; c < C; c++) {
          int pos = argmax(g, xs, n, p, q, c), i = g.windowIndex(n, p, q, c, pos);
          ys[o0 + q * C + c] = i < 0 ? 0f : xs[i];
          if (ws != null) ws[o0 + q * C + c] = pos;
        }
      FastNoise.apply(noise, sig, per, ys, o0, o0, Q * C);
    });
  }

  @Override
  public void maxPoolBackward(PoolShape g, Tensor dy, Tensor argmax, Tensor dx) {
    String op = "maxPoolBackward " + g;
    Shapes.require(op, "argmax", argmax, g.outputShape());
    Shapes.require(op, "dx", dx, g.n(), g.h(), g.w(), g.c());
    Shapes.require(op, "dy", dy, g.outputShape());
    float[] ws = f(op, "argmax", argmax), gy = f(op, "dy", dy), gx = f(op, "dx", dx);
    int P = g.p(), Q = g.q(), C = g.c(), hwc = g.h() * g.w() * C;
    // Every position is checked before dx is touched, so a bad argmax leaves dx as it was.
    par.forEach(g.n(), n -> {
      for (int p = 0; p < P; p++)
        for (int q = 0; q < Q; q++)
          for (int c = 0; c < C; c++) g.inputIndex(op, n, p, q, c, ws[((n * P + p) * Q + q) * C + c]);
    });
    // One sample per chunk: overlapping windows only scatter within their own sample; the adds run in (p, q)
    // order, the order of the GPU's gather.
    par.forEach(g.n(), n -> {
      Arrays.fill(gx, n * hwc, (n + 1) * hwc, 0f);
      for (int p = 0; p < P; p++)
        for (int q = 0; q < Q; q++)
          for (int c = 0; c < C; c++) {
            int o = ((n * P + p) * Q + q) * C + c, i = g.windowIndex(n, p, q, c, (int) ws[o]);  // checked above
            if (i >= 0) gx[i] += gy[o];
          }
    });
  }

  @Override
  public void globalAvgPoolForward(Tensor x, Noise noise, Tensor y) {
    String op = "globalAvgPoolForward";
    int[] s = Shapes.nhwc(op, "x", x);
    int N = s[0], HW = s[1] * s[2], C = s[3];
    Shapes.requireSize(op, "y", y, (long) N * C);
    Shapes.matrix(op, "y", y);
    float[] xs = f(op, "x", x), ys = f(op, "y", y), sig = sigma(op, noise, N);
    par.forEach(N, n -> {
      double[] acc = Scratch.get().d(C);
      Arrays.fill(acc, 0, C, 0.0);
      for (int i = 0; i < HW; i++) {
        int o = (n * HW + i) * C;
        for (int c = 0; c < C; c++) acc[c] += xs[o + c];
      }
      for (int c = 0; c < C; c++) ys[n * C + c] = (float) (acc[c] / HW);
      FastNoise.apply(noise, sig, C, ys, n * C, (long) n * C, C);
    });
  }

  @Override
  public void globalAvgPoolBackward(Tensor dy, Tensor dx) {
    String op = "globalAvgPoolBackward";
    int[] s = Shapes.nhwc(op, "dx", dx);
    int N = s[0], HW = s[1] * s[2], C = s[3];
    Shapes.requireSize(op, "dy", dy, (long) N * C);
    Shapes.matrix(op, "dy", dy);
    float[] gy = f(op, "dy", dy), gx = f(op, "dx", dx);
    par.forEach(N, n -> {
      for (int i = 0; i < HW; i++)
        for (int c = 0; c < C; c++) gx[(n * HW + i) * C + c] = gy[n * C + c] / HW;
    });
  }

  // ---- loss ---------------------------------------------------------------------------------------

  @Override
  public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits, Tensor stats) {
    String op = "softmaxCrossEntropy";
    int[] lm = Shapes.matrix(op, "logits", logits);
    int N = lm[0], K = lm[1];
    Shapes.requireSize(op, "labels", labels, N);
    Shapes.same(op, "logits", logits, "dlogits", dlogits);
    Shapes.requireSize(op, "stats", stats, 2);
    float[] z = f(op, "logits", logits), ls = f(op, "labels", labels), gz = f(op, "dlogits", dlogits), st = f(op, "stats", stats);
    double loss = 0;
    int correct = 0;
    for (int n = 0; n < N; n++) {
      float lv = ls[n];
      int label = (int) lv;
      if (label != lv || label < 0 || label >= K) {
        throw new IllegalArgumentException(op + ": label " + lv + " of sample " + n + " is not a class index in [0, " + K + ")");
      }
      int o = n * K;
      float max = z[o];
      int arg = 0;
      for (int k = 1; k < K; k++) {
        if (z[o + k] > max) {
          max = z[o + k];
          arg = k;
        }
      }
      double sum = 0;
      for (int k = 0; k < K; k++) sum += Math.exp((double) z[o + k] - max);
      double lse = max + Math.log(sum);
      loss += lse - z[o + label];
      if (arg == label) correct++;
      for (int k = 0; k < K; k++) gz[o + k] = (float) ((Math.exp(z[o + k] - lse) - (k == label ? 1 : 0)) / N);
    }
    st[0] = (float) (loss / N);
    st[1] = correct;
  }

  // ---- optimizers ---------------------------------------------------------------------------------

  @Override
  public void adamUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamConfig cfg, int t) {
    String op = "adamUpdate";
    Shapes.paramLists(op, params, new Object[][] {{"grads", grads}, {"m", m}, {"v", v}});
    if (t < 1) throw new IllegalArgumentException(op + ": step t = " + t + " must be >= 1");
    float b1 = cfg.beta1(), b2 = cfg.beta2(), lr = cfg.lr(), eps = cfg.eps(), wd = cfg.weightDecay();
    float bc1 = (float) (1 - Math.pow(b1, t)), bc2 = (float) (1 - Math.pow(b2, t));
    for (int i = 0; i < params.size(); i++) {
      float[] p = f(op, "param " + i, params.get(i)), g = f(op, "grad " + i, grads.get(i));
      float[] ms = f(op, "m " + i, m.get(i)), vs = f(op, "v " + i, v.get(i));
      ranges(params.get(i).size(), ELEMS, (s, n) -> {
        for (int e = s; e < s + n; e++) {
          float gr = Math.fma(wd, p[e], g[e]);
          ms[e] = b1 * ms[e] + (1 - b1) * gr;
          vs[e] = b2 * vs[e] + (1 - b2) * gr * gr;
          p[e] -= lr * (ms[e] / bc1) / ((float) Math.sqrt(vs[e] / bc2) + eps);
        }
      });
    }
  }

  @Override
  public void sgdUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> momentum, SgdConfig cfg, boolean firstStep) {
    String op = "sgdUpdate";
    Shapes.paramLists(op, params, new Object[][] {{"grads", grads}, {"momentum", momentum}});
    float mu = cfg.momentum(), damp = 1 - cfg.dampening(), lr = cfg.lr(), wd = cfg.weightDecay();
    boolean nesterov = cfg.nesterov();
    for (int i = 0; i < params.size(); i++) {
      float[] p = f(op, "param " + i, params.get(i)), g = f(op, "grad " + i, grads.get(i));
      float[] b = f(op, "momentum " + i, momentum.get(i));
      ranges(params.get(i).size(), ELEMS, (s, n) -> {
        for (int e = s; e < s + n; e++) {
          float gr = Math.fma(wd, p[e], g[e]);
          float d = gr;
          if (mu != 0) {
            b[e] = firstStep ? gr : mu * b[e] + damp * gr;
            d = nesterov ? Math.fma(mu, b[e], gr) : b[e];
          }
          p[e] -= lr * d;
        }
      });
    }
  }

  /** y = a + b (the nn layers' residual gradient sum), chunked over the threads. */
  @Override
  public void add(Tensor a, Tensor b, Tensor y) {
    String op = "add";
    Shapes.requireSize(op, "b", b, a.size());
    Shapes.requireSize(op, "y", y, a.size());
    float[] as = f(op, "a", a), bs = f(op, "b", b), ys = f(op, "y", y);
    ranges(a.size(), ELEMS, (s, n) -> {
      for (int i = s; i < s + n; i++) ys[i] = as[i] + bs[i];
    });
  }

  @Override
  public void close() {
    par.close();
  }
}
