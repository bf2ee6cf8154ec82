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
import java.util.Arrays;
import java.util.List;

/**
 * The plain-loop CPU backend: the oracle every other backend is tested against.
 *
 * <p>Shape legend: N batch, H x W input, C input channels, K output channels (filters), R x S kernel,
 * P x Q output, M = N*H*W elements per channel for BatchNorm; linear: x [N, IN], w [OUT, IN].
 *
 * <p>Storage is double[] ({@link CpuStorage}); every op computes in double with straightforward loops.
 * In {@link Precision#DOUBLE} mode nothing is rounded, so central differences can check gradients to
 * 1e-6. In {@link Precision#FLOAT32} mode each op rounds its outputs (and the pre-noise value of fused
 * ops) to float, and applies the noise formula of {@link Noise} in float with one fma, as the GPU does.
 * Noise values are the float Gaussians of {@link NoiseStream} in both modes.
 */
public final class ReferenceBackend implements Backend {
  private final Precision precision;
  private final boolean f32;

  public ReferenceBackend(Precision precision) {
    this.precision = precision;
    this.f32 = precision == Precision.FLOAT32;
  }

  public Precision precision() {
    return precision;
  }

  @Override
  public String name() {
    return "cpu-reference";
  }

  /** The value as this precision stores it. */
  private double r(double v) {
    return f32 ? (double) (float) v : v;
  }

  private static double[] d(String op, String name, Tensor t) {
    if (t == null) throw new IllegalArgumentException(op + ": " + name + " is null");
    if (t.storage() instanceof CpuStorage s) return s.data;
    throw new IllegalArgumentException(op + ": " + name + " " + Arrays.toString(t.shape())
        + " does not live on the cpu-reference backend (" + t.storage().device() + ", "
        + t.storage().getClass().getSimpleName() + ")");
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
    return new Tensor(new CpuStorage((int) n), shape);
  }

  @Override
  public Tensor fromHost(float[] data, int... shape) {
    Tensor t = zeros(shape);
    if (data.length != t.size()) {
      throw new IllegalArgumentException("fromHost: " + data.length + " floats for shape " + Arrays.toString(shape) + " (" + t.size() + " elements)");
    }
    double[] a = d("fromHost", "t", t);
    for (int i = 0; i < data.length; i++) a[i] = data[i];
    return t;
  }

  @Override
  public void toHost(Tensor t, float[] dst) {
    double[] a = d("toHost", "t", t);
    if (dst.length < t.size()) throw new IllegalArgumentException("toHost: dst has " + dst.length + " floats, tensor " + Arrays.toString(t.shape()) + " has " + t.size());
    for (int i = 0; i < t.size(); i++) dst[i] = (float) a[i];
  }

  @Override
  public void copy(Tensor src, Tensor dst) {
    Shapes.requireSize("copy", "dst", dst, src.size());
    System.arraycopy(d("copy", "src", src), 0, d("copy", "dst", dst), 0, (int) src.size());
  }

  @Override
  public void fill(Tensor t, float value) {
    Arrays.fill(d("fill", "t", t), 0, (int) t.size(), value);
  }

  // ---- noise --------------------------------------------------------------------------------------

  /**
   * Applies the noise to y[0 .. size) in place; y holds the pre-noise values (already rounded in FLOAT32
   * mode). Sample of element e: e / perSample.
   */
  private void applyNoise(String op, Noise nz, double[] y, int size, int samples) {
    Shapes.noise(op, nz, samples);
    if (!nz.enabled() || size == 0) return;
    int perSample = size / samples;
    double[] sig = nz.sigma() == null ? null : d(op, "noise.sigma", nz.sigma());
    float[] z = new float[size];
    NoiseStream.fill(nz.seed(), nz.site(), nz.step(), 0, z, 0, size);
    float[] z2 = null;
    if (nz.type() == Noise.Type.COMBINED) {
      z2 = new float[size];
      NoiseStream.fill(nz.seed(), nz.site() | Noise.SECOND_STREAM, nz.step(), 0, z2, 0, size);
    }
    for (int e = 0; e < size; e++) {
      double s = sig == null ? nz.sigmaScalar() : sig[e / perSample];
      double x = y[e];
      if (f32) {
        float sf = (float) s;
        float xf = (float) x;
        y[e] = switch (nz.type()) {
          case ADDITIVE -> Math.fma(sf, z[e], xf);
          case MULTIPLICATIVE -> xf * Math.fma(sf, z[e], 1f);
          case COMBINED -> Math.fma(sf, z2[e], xf * Math.fma(sf, z[e], 1f));
          case NONE -> xf;
        };
      } else {
        y[e] = switch (nz.type()) {
          case ADDITIVE -> x + s * z[e];
          case MULTIPLICATIVE -> x * (1 + s * z[e]);
          case COMBINED -> x * (1 + s * z[e]) + s * z2[e];
          case NONE -> x;
        };
      }
    }
  }

  @Override
  public void noiseForward(Tensor x, Noise noise, Tensor y) {
    String op = "noiseForward";
    Shapes.same(op, "x", x, "y", y);
    double[] xs = d(op, "x", x), ys = d(op, "y", y);
    int n = (int) x.size();
    for (int i = 0; i < n; i++) ys[i] = r(xs[i]);
    applyNoise(op, noise, ys, n, x.rank() == 0 ? 1 : x.dim(0));
  }

  @Override
  public void noiseBackward(Noise nz, Tensor dy, Tensor dx) {
    String op = "noiseBackward";
    Shapes.same(op, "dy", dy, "dx", dx);
    double[] g = d(op, "dy", dy), out = d(op, "dx", dx);
    int size = (int) dy.size();
    int samples = dy.rank() == 0 ? 1 : dy.dim(0);
    Shapes.noise(op, nz, samples);
    if (nz.type() != Noise.Type.MULTIPLICATIVE && nz.type() != Noise.Type.COMBINED) {
      for (int i = 0; i < size; i++) out[i] = r(g[i]);
      return;
    }
    int perSample = size / samples;
    double[] sig = nz.sigma() == null ? null : d(op, "noise.sigma", nz.sigma());
    float[] z = new float[size];
    NoiseStream.fill(nz.seed(), nz.site(), nz.step(), 0, z, 0, size);
    for (int e = 0; e < size; e++) {
      double s = sig == null ? nz.sigmaScalar() : sig[e / perSample];
      out[e] = f32 ? (float) g[e] * Math.fma((float) s, z[e], 1f) : g[e] * (1 + s * z[e]);
    }
  }

  @Override
  public void sampleSigmas(long seed, int site, int step, float base, float theta, Tensor sigma) {
    double[] s = d("sampleSigmas", "sigma", sigma);
    int n = (int) sigma.size();
    float[] z = new float[n];
    NoiseStream.fill(seed, site, step, 0, z, 0, n);
    for (int i = 0; i < n; i++) {
      s[i] = f32 ? Math.fma(theta, Math.abs(z[i]), base) : base + (double) theta * Math.abs(z[i]);
    }
  }

  // ---- convolution --------------------------------------------------------------------------------

  @Override
  public void conv2dForward(Conv2dShape g, Tensor x, Tensor w, Tensor bias, Noise noise, Tensor y) {
    String op = "conv2dForward " + g;
    Shapes.require(op, "x", x, g.inputShape());
    Shapes.require(op, "w", w, g.weightShape());
    Shapes.require(op, "y", y, g.outputShape());
    if (bias != null) Shapes.require(op, "bias", bias, g.k());
    double[] xs = d(op, "x", x), ws = d(op, "w", w), ys = d(op, "y", y);
    double[] bs = bias == null ? null : d(op, "bias", bias);
    int P = g.p(), Q = g.q();
    for (int n = 0; n < g.n(); n++) {
      for (int p = 0; p < P; p++) {
        for (int q = 0; q < Q; q++) {
          for (int k = 0; k < g.k(); k++) {
            double acc = bs == null ? 0 : bs[k];
            for (int rr = 0; rr < g.r(); rr++) {
              int ih = p * g.stride() - g.pad() + rr;
              if (ih < 0 || ih >= g.h()) continue;
              for (int ss = 0; ss < g.s(); ss++) {
                int iw = q * g.stride() - g.pad() + ss;
                if (iw < 0 || iw >= g.w()) continue;
                int xo = ((n * g.h() + ih) * g.w() + iw) * g.c();
                int wo = ((k * g.r() + rr) * g.s() + ss) * g.c();
                for (int c = 0; c < g.c(); c++) acc += xs[xo + c] * ws[wo + c];
              }
            }
            ys[((n * P + p) * Q + q) * g.k() + k] = r(acc);
          }
        }
      }
    }
    applyNoise(op, noise, ys, (int) y.size(), g.n());
  }

  @Override
  public void conv2dBackwardData(Conv2dShape g, Tensor dy, Tensor w, Tensor dx) {
    String op = "conv2dBackwardData " + g;
    Shapes.require(op, "dy", dy, g.outputShape());
    Shapes.require(op, "w", w, g.weightShape());
    Shapes.require(op, "dx", dx, g.inputShape());
    double[] gy = d(op, "dy", dy), ws = d(op, "w", w), gx = d(op, "dx", dx);
    double[] acc = new double[(int) dx.size()];
    int P = g.p(), Q = g.q();
    // Scatter each output gradient back through the window it was computed from.
    for (int n = 0; n < g.n(); n++) {
      for (int p = 0; p < P; p++) {
        for (int q = 0; q < Q; q++) {
          for (int k = 0; k < g.k(); k++) {
            double gv = gy[((n * P + p) * Q + q) * g.k() + k];
            for (int rr = 0; rr < g.r(); rr++) {
              int ih = p * g.stride() - g.pad() + rr;
              if (ih < 0 || ih >= g.h()) continue;
              for (int ss = 0; ss < g.s(); ss++) {
                int iw = q * g.stride() - g.pad() + ss;
                if (iw < 0 || iw >= g.w()) continue;
                int xo = ((n * g.h() + ih) * g.w() + iw) * g.c();
                int wo = ((k * g.r() + rr) * g.s() + ss) * g.c();
                for (int c = 0; c < g.c(); c++) acc[xo + c] += gv * ws[wo + c];
              }
            }
          }
        }
      }
    }
    for (int i = 0; i < acc.length; i++) gx[i] = r(acc[i]);
  }

  @Override
  public void conv2dBackwardWeight(Conv2dShape g, Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
    String op = "conv2dBackwardWeight " + g;
    Shapes.require(op, "x", x, g.inputShape());
    Shapes.require(op, "dy", dy, g.outputShape());
    Shapes.require(op, "dw", dw, g.weightShape());
    if (dbias != null) Shapes.require(op, "dbias", dbias, g.k());
    double[] xs = d(op, "x", x), gy = d(op, "dy", dy), gw = d(op, "dw", dw);
    double[] acc = new double[(int) dw.size()];
    double[] accB = new double[g.k()];
    int P = g.p(), Q = g.q();
    for (int n = 0; n < g.n(); n++) {
      for (int p = 0; p < P; p++) {
        for (int q = 0; q < Q; q++) {
          for (int k = 0; k < g.k(); k++) {
            double gv = gy[((n * P + p) * Q + q) * g.k() + k];
            accB[k] += gv;
            for (int rr = 0; rr < g.r(); rr++) {
              int ih = p * g.stride() - g.pad() + rr;
              if (ih < 0 || ih >= g.h()) continue;
              for (int ss = 0; ss < g.s(); ss++) {
                int iw = q * g.stride() - g.pad() + ss;
                if (iw < 0 || iw >= g.w()) continue;
                int xo = ((n * g.h() + ih) * g.w() + iw) * g.c();
                int wo = ((k * g.r() + rr) * g.s() + ss) * g.c();
                for (int c = 0; c < g.c(); c++) acc[wo + c] += gv * xs[xo + c];
              }
            }
          }
        }
      }
    }
    for (int i = 0; i < acc.length; i++) gw[i] = r(acc[i]);
    if (dbias != null) {
      double[] gb = d(op, "dbias", dbias);
      for (int k = 0; k < g.k(); k++) gb[k] = r(accB[k]);
    }
  }

  // ---- linear -------------------------------------------------------------------------------------

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
    double[] xs = d(op, "x", x), ws = d(op, "w", w), ys = d(op, "y", y);
    double[] bs = bias == null ? null : d(op, "bias", bias);
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < out; o++) {
        double acc = bs == null ? 0 : bs[o];
        for (int j = 0; j < in; j++) acc += xs[i * in + j] * ws[o * in + j];
        ys[i * out + o] = r(acc);
      }
    }
    applyNoise(op, noise, ys, n * out, n);
  }

  @Override
  public void linearBackwardData(Tensor dy, Tensor w, Tensor dx) {
    String op = "linearBackwardData";
    int[] gm = Shapes.matrix(op, "dy", dy);
    int[] xm = Shapes.matrix(op, "dx", dx);
    int n = gm[0], out = gm[1], in = xm[1];
    if (xm[0] != n) throw new IllegalArgumentException(op + ": dy " + Arrays.toString(dy.shape()) + " and dx " + Arrays.toString(dx.shape()) + " differ in N");
    Shapes.require(op, "w", w, out, in);
    double[] gy = d(op, "dy", dy), ws = d(op, "w", w), gx = d(op, "dx", dx);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < in; j++) {
        double acc = 0;
        for (int o = 0; o < out; o++) acc += gy[i * out + o] * ws[o * in + j];
        gx[i * in + j] = r(acc);
      }
    }
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
    double[] xs = d(op, "x", x), gy = d(op, "dy", dy), gw = d(op, "dw", dw);
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < in; j++) {
        double acc = 0;
        for (int i = 0; i < n; i++) acc += gy[i * out + o] * xs[i * in + j];
        gw[o * in + j] = r(acc);
      }
    }
    if (dbias != null) {
      double[] gb = d(op, "dbias", dbias);
      for (int o = 0; o < out; o++) {
        double acc = 0;
        for (int i = 0; i < n; i++) acc += gy[i * out + o];
        gb[o] = r(acc);
      }
    }
  }

  // ---- batch normalization ------------------------------------------------------------------------

  private static int[] bnShape(String op, Tensor x, Tensor... perChannel) {
    int[] s = Shapes.nhwc(op, "x", x);
    String[] names = {"gamma", "beta", "runningMean", "runningVar", "saveMean", "saveInvStd"};
    for (int i = 0; i < perChannel.length; i++) Shapes.require(op, names[i], perChannel[i], s[3]);
    return s;
  }

  @Override
  public void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Noise noise, Tensor y) {
    String op = "batchNormTrainForward";
    int[] s = bnShape(op, x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd);
    Shapes.same(op, "x", x, "y", y);
    int C = s[3], M = s[0] * s[1] * s[2];
    trainStatistics(op, x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd);
    normalize(d(op, "x", x), d(op, "gamma", gamma), d(op, "beta", beta), d(op, "saveMean", saveMean),
        d(op, "saveInvStd", saveInvStd), false, 0, relu, d(op, "y", y), M, C);
    applyNoise(op, noise, d(op, "y", y), M * C, s[0]);
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
    double[] xs = d(op, "x", x);
    double[] rm = d(op, "runningMean", runningMean), rv = d(op, "runningVar", runningVar);
    double[] sm = d(op, "saveMean", saveMean), si = d(op, "saveInvStd", saveInvStd);
    for (int c = 0; c < C; c++) {
      double sum = 0;
      for (int m = 0; m < M; m++) sum += xs[m * C + c];
      double mean = sum / M;
      double sq = 0;
      for (int m = 0; m < M; m++) {
        double t = xs[m * C + c] - mean;
        sq += t * t;
      }
      double var = sq / M;
      sm[c] = r(mean);
      si[c] = r(1.0 / Math.sqrt(var + eps));
      rm[c] = r((1 - (double) momentum) * rm[c] + momentum * mean);
      rv[c] = r((1 - (double) momentum) * rv[c] + momentum * (sq / (M - 1)));
    }
  }

  /** y = relu?(gamma * (x - mean) * invStd + beta), invStd given, or 1/sqrt(var + eps) when {@code fromVar}. */
  private void normalize(double[] xs, double[] ga, double[] be, double[] mean, double[] invOrVar, boolean fromVar,
      double eps, boolean relu, double[] ys, int M, int C) {
    for (int c = 0; c < C; c++) {
      double inv = fromVar ? 1.0 / Math.sqrt(invOrVar[c] + eps) : invOrVar[c];
      for (int m = 0; m < M; m++) {
        double v = r(ga[c] * (xs[m * C + c] - mean[c]) * inv + be[c]);
        ys[m * C + c] = relu ? reluValue(v) : v;
      }
    }
  }

  /** ReLU that propagates NaN (as PyTorch does) instead of hiding it as 0. */
  private static double reluValue(double v) {
    return v > 0 || Double.isNaN(v) ? v : 0.0;
  }

  @Override
  public void batchNormInferenceForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float eps, boolean relu, Noise noise, Tensor y) {
    String op = "batchNormInferenceForward";
    int[] s = bnShape(op, x, gamma, beta, runningMean, runningVar);
    Shapes.same(op, "x", x, "y", y);
    int C = s[3], M = s[0] * s[1] * s[2];
    normalize(d(op, "x", x), d(op, "gamma", gamma), d(op, "beta", beta), d(op, "runningMean", runningMean),
        d(op, "runningVar", runningVar), true, eps, relu, d(op, "y", y), M, C);
    applyNoise(op, noise, d(op, "y", y), M * C, s[0]);
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
    double[] gy = d(op, "dy", dy), xs = d(op, "x", x), ga = d(op, "gamma", gamma), be = d(op, "beta", beta);
    double[] sm = d(op, "saveMean", saveMean), si = d(op, "saveInvStd", saveInvStd), gx = d(op, "dx", dx);
    double[] gg = d(op, "dgamma", dgamma), gb = d(op, "dbeta", dbeta);
    double[] g = new double[M];
    for (int c = 0; c < C; c++) {
      double sumG = 0, sumGX = 0;
      for (int m = 0; m < M; m++) {
        double xhat = (xs[m * C + c] - sm[c]) * si[c];
        double gv = gy[m * C + c];
        // The ReLU mask is recomputed from the forward's pre-activation (in FLOAT32 mode as rounded there).
        if (relu && !(r(ga[c] * xhat + be[c]) > 0)) gv = 0;
        g[m] = gv;
        sumG += gv;
        sumGX += gv * xhat;
      }
      gb[c] = r(sumG);
      gg[c] = r(sumGX);
      for (int m = 0; m < M; m++) {
        double xhat = (xs[m * C + c] - sm[c]) * si[c];
        gx[m * C + c] = r(ga[c] * si[c] * (g[m] - sumG / M - xhat * sumGX / M));
      }
    }
    if (dxSums != null) {
      // As conv2dBackwardWeight sums a bias gradient: the stored dx, rows in order, in double, rounded once.
      Shapes.require(op, "dxSums", dxSums, C);
      double[] out = d(op, "dxSums", dxSums);
      for (int c = 0; c < C; c++) {
        double sum = 0;
        for (int m = 0; m < M; m++) sum += gx[m * C + c];
        out[c] = r(sum);
      }
    }
  }

  // ---- elementwise --------------------------------------------------------------------------------

  @Override
  public void reluForward(Tensor x, Noise noise, Tensor y) {
    String op = "reluForward";
    Shapes.same(op, "x", x, "y", y);
    double[] xs = d(op, "x", x), ys = d(op, "y", y);
    int n = (int) x.size();
    for (int i = 0; i < n; i++) ys[i] = r(reluValue(xs[i]));
    applyNoise(op, noise, ys, n, x.dim(0));
  }

  @Override
  public void reluBackward(Tensor dy, Tensor x, Tensor dx) {
    String op = "reluBackward";
    Shapes.same(op, "x", x, "dy", dy);
    Shapes.same(op, "x", x, "dx", dx);
    double[] gy = d(op, "dy", dy), xs = d(op, "x", x), gx = d(op, "dx", dx);
    for (int i = 0; i < x.size(); i++) gx[i] = xs[i] > 0 ? r(gy[i]) : 0.0;
  }

  @Override
  public void addReluForward(JoinInput a, JoinInput b, Noise noise, Tensor y) {
    String op = "addReluForward";
    Shapes.same(op, "a", a.x(), "b", b.x());
    Shapes.same(op, "a", a.x(), "y", y);
    double[] as = joinValues(op, "a", a), bs = joinValues(op, "b", b), ys = d(op, "y", y);
    int n = (int) y.size();
    for (int i = 0; i < n; i++) ys[i] = reluValue(r(as[i] + bs[i]));
    applyNoise(op, noise, ys, n, y.dim(0));
  }

  @Override
  public void addReluBackward(Tensor dy, JoinInput a, JoinInput b, Tensor dx) {
    String op = "addReluBackward";
    Shapes.same(op, "a", a.x(), "b", b.x());
    Shapes.same(op, "a", a.x(), "dy", dy);
    Shapes.same(op, "a", a.x(), "dx", dx);
    double[] gy = d(op, "dy", dy), as = joinValues(op, "a", a), bs = joinValues(op, "b", b), gx = d(op, "dx", dx);
    for (int i = 0; i < dy.size(); i++) gx[i] = r(as[i] + bs[i]) > 0 ? r(gy[i]) : 0.0;
  }

  /** The values a join reads from an input: x itself, or x normalized as the BatchNorm forward writes it. */
  private double[] joinValues(String op, String name, JoinInput in) {
    if (!in.normalized()) return d(op, name, in.x());
    int[] s = Shapes.nhwc(op, name, in.x());
    int C = s[3], M = s[0] * s[1] * s[2];
    Shapes.requireEach(op, C, new String[] {name + ".gamma", name + ".beta", name + ".mean", name + ".scale"},
        in.gamma(), in.beta(), in.mean(), in.scale());
    double[] out = new double[M * C];
    normalize(d(op, name, in.x()), d(op, name + ".gamma", in.gamma()), d(op, name + ".beta", in.beta()),
        d(op, name + ".mean", in.mean()), d(op, name + ".scale", in.scale()), in.fromVariance(), in.eps(), false, out, M, C);
    return out;
  }

  // ---- pooling ------------------------------------------------------------------------------------

  /** Position r * size + s of the first maximum of window (n, p, q, c), -1 if none; NaN wins (propagates). */
  private static int argmax(PoolShape g, double[] xs, int n, int p, int q, int c) {
    int best = -1;
    double bv = 0;
    for (int i = 0; i < g.size(); i++) {
      int ih = p * g.stride() - g.pad() + i;
      if (ih < 0 || ih >= g.h()) continue;
      for (int j = 0; j < g.size(); j++) {
        int iw = q * g.stride() - g.pad() + j;
        if (iw < 0 || iw >= g.w()) continue;
        double v = xs[((n * g.h() + ih) * g.w() + iw) * g.c() + c];
        if (best < 0 || v > bv || (Double.isNaN(v) && !Double.isNaN(bv))) {
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
    double[] xs = d(op, "x", x), ys = d(op, "y", y), ws = argmax == null ? null : d(op, "argmax", argmax);
    int P = g.p(), Q = g.q();
    for (int n = 0; n < g.n(); n++)
      for (int p = 0; p < P; p++)
        for (int q = 0; q < Q; q++)
          for (int c = 0; c < g.c(); c++) {
            int o = ((n * P + p) * Q + q) * g.c() + c, pos = argmax(g, xs, n, p, q, c), i = g.windowIndex(n, p, q, c, pos);
            ys[o] = i < 0 ? 0.0 : r(xs[i]);
            if (ws != null) ws[o] = pos;
          }
    applyNoise(op, noise, ys, (int) y.size(), g.n());
  }

  @Override
  public void maxPoolBackward(PoolShape g, Tensor dy, Tensor argmax, Tensor dx) {
    String op = "maxPoolBackward " + g;
    Shapes.require(op, "argmax", argmax, g.outputShape());
    Shapes.require(op, "dx", dx, g.n(), g.h(), g.w(), g.c());
    Shapes.require(op, "dy", dy, g.outputShape());
    double[] ws = d(op, "argmax", argmax), gy = d(op, "dy", dy), gx = d(op, "dx", dx);
    double[] acc = new double[(int) dx.size()];
    int P = g.p(), Q = g.q();
    for (int n = 0; n < g.n(); n++)
      for (int p = 0; p < P; p++)
        for (int q = 0; q < Q; q++)
          for (int c = 0; c < g.c(); c++) {
            int o = ((n * P + p) * Q + q) * g.c() + c, i = g.inputIndex(op, n, p, q, c, ws[o]);
            if (i >= 0) acc[i] += gy[o];
          }
    for (int i = 0; i < acc.length; i++) gx[i] = r(acc[i]);
  }

  @Override
  public void globalAvgPoolForward(Tensor x, Noise noise, Tensor y) {
    String op = "globalAvgPoolForward";
    int[] s = Shapes.nhwc(op, "x", x);
    int N = s[0], HW = s[1] * s[2], C = s[3];
    Shapes.requireSize(op, "y", y, (long) N * C);
    Shapes.matrix(op, "y", y);
    double[] xs = d(op, "x", x), ys = d(op, "y", y);
    for (int n = 0; n < N; n++) {
      for (int c = 0; c < C; c++) {
        double acc = 0;
        for (int i = 0; i < HW; i++) acc += xs[(n * HW + i) * C + c];
        ys[n * C + c] = r(acc / HW);
      }
    }
    applyNoise(op, noise, ys, N * C, N);
  }

  @Override
  public void globalAvgPoolBackward(Tensor dy, Tensor dx) {
    String op = "globalAvgPoolBackward";
    int[] s = Shapes.nhwc(op, "dx", dx);
    int N = s[0], HW = s[1] * s[2], C = s[3];
    Shapes.requireSize(op, "dy", dy, (long) N * C);
    Shapes.matrix(op, "dy", dy);
    double[] gy = d(op, "dy", dy), gx = d(op, "dx", dx);
    for (int n = 0; n < N; n++)
      for (int i = 0; i < HW; i++)
        for (int c = 0; c < C; c++) gx[(n * HW + i) * C + c] = r(gy[n * C + c] / HW);
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
    double[] z = d(op, "logits", logits), ls = d(op, "labels", labels), gz = d(op, "dlogits", dlogits), st = d(op, "stats", stats);
    double loss = 0;
    int correct = 0;
    for (int n = 0; n < N; n++) {
      double lv = ls[n];
      int label = (int) lv;
      if (label != lv || label < 0 || label >= K) {
        throw new IllegalArgumentException(op + ": label " + lv + " of sample " + n + " is not a class index in [0, " + K + ")");
      }
      int o = n * K;
      double max = z[o];
      int arg = 0;
      for (int k = 1; k < K; k++) {
        if (z[o + k] > max) {
          max = z[o + k];
          arg = k;
        }
      }
      double sum = 0;
      for (int k = 0; k < K; k++) sum += Math.exp(z[o + k] - max);
      double lse = max + Math.log(sum);
      loss += lse - z[o + label];
      if (arg == label) correct++;
      for (int k = 0; k < K; k++) gz[o + k] = r((Math.exp(z[o + k] - lse) - (k == label ? 1 : 0)) / N);
    }
    st[0] = r(loss / N);
    st[1] = correct;
  }

  // ---- optimizers ---------------------------------------------------------------------------------

  @Override
  public void adamUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> m, List<Tensor> v, AdamConfig cfg, int t) {
    String op = "adamUpdate";
    Shapes.paramLists(op, params, new Object[][] {{"grads", grads}, {"m", m}, {"v", v}});
    if (t < 1) throw new IllegalArgumentException(op + ": step t = " + t + " must be >= 1");
    double b1 = cfg.beta1(), b2 = cfg.beta2();
    double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
    for (int i = 0; i < params.size(); i++) {
      double[] p = d(op, "param " + i, params.get(i)), g = d(op, "grad " + i, grads.get(i));
      double[] ms = d(op, "m " + i, m.get(i)), vs = d(op, "v " + i, v.get(i));
      for (int e = 0; e < params.get(i).size(); e++) {
        double gr = g[e] + (double) cfg.weightDecay() * p[e];
        ms[e] = r(b1 * ms[e] + (1 - b1) * gr);
        vs[e] = r(b2 * vs[e] + (1 - b2) * gr * gr);
        p[e] = r(p[e] - (double) cfg.lr() * (ms[e] / bc1) / (Math.sqrt(vs[e] / bc2) + cfg.eps()));
      }
    }
  }

  @Override
  public void sgdUpdate(List<Tensor> params, List<Tensor> grads, List<Tensor> momentum, SgdConfig cfg, boolean firstStep) {
    String op = "sgdUpdate";
    Shapes.paramLists(op, params, new Object[][] {{"grads", grads}, {"momentum", momentum}});
    double mu = cfg.momentum();
    for (int i = 0; i < params.size(); i++) {
      double[] p = d(op, "param " + i, params.get(i)), g = d(op, "grad " + i, grads.get(i));
      double[] b = d(op, "momentum " + i, momentum.get(i));
      for (int e = 0; e < params.get(i).size(); e++) {
        double gr = g[e] + (double) cfg.weightDecay() * p[e];
        double step = gr;
        if (mu != 0) {
          b[e] = r(firstStep ? gr : mu * b[e] + (1 - (double) cfg.dampening()) * gr);
          step = cfg.nesterov() ? gr + mu * b[e] : b[e];
        }
        p[e] = r(p[e] - (double) cfg.lr() * step);
      }
    }
  }

  /** y = a + b in double, rounded once in FLOAT32 mode (the nn layers' residual gradient sum). */
  @Override
  public void add(Tensor a, Tensor b, Tensor y) {
    String op = "add";
    Shapes.requireSize(op, "b", b, a.size());
    Shapes.requireSize(op, "y", y, a.size());
    double[] as = d(op, "a", a), bs = d(op, "b", b), ys = d(op, "y", y);
    for (int i = 0; i < a.size(); i++) ys[i] = r(as[i] + bs[i]);
  }

  @Override
  public void close() {
    // Nothing held: tensors are heap arrays.
  }
}
