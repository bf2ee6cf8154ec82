package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.backend.SgdConfig;
import dev.vant.tensor.Tensor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PyTorch semantics checked against numbers computed by hand (or by an independent scalar transcription
 * of the algorithm in torch's documentation), on the DOUBLE reference (to 1e-12) and on the fast backend
 * (float32: to 1e-6 relative + 1e-7): BatchNorm running statistics and inference mode, softmax
 * cross-entropy statistics, Adam, SGD with momentum / dampening / Nesterov / weight decay.
 */
class SemanticsTest {
  static Stream<Object[]> backends() {
    return Stream.of(new Object[] {new ReferenceBackend(Precision.DOUBLE), 1e-12}, new Object[] {new FastBackend(2), 1e-6});
  }

  static void near(double expected, double actual, double tol, String what) {
    assertEquals(expected, actual, tol * Math.abs(expected) + tol / 10, what);
  }

  /** The values as the backend holds them: unrounded doubles on the DOUBLE reference. */
  static double[] read(Backend b, Tensor t) {
    if (b instanceof ReferenceBackend) return CpuTensors.doubles(t).clone();
    float[] f = b.toHost(t);
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return d;
  }

  /** The float constants of the configs, as the backends see them. */
  static final double MOM = 0.1f, EPS = 1e-5f;

  @ParameterizedTest
  @MethodSource("backends")
  void batchNormRunningStatisticsAndInference(Backend b, double tol) {
    // Channel 0 holds 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3); channel 1 holds -1, -1, 1, 1
    // (mean 0, biased var 1, unbiased 4/3). Layout [N=2, H=1, W=2, C=2].
    Tensor x = b.fromHost(new float[] {1, -1, 2, -1, 3, 1, 6, 1}, 2, 1, 2, 2);
    Tensor gamma = b.fromHost(new float[] {2, 0.5f}, 2), beta = b.fromHost(new float[] {0.25f, -1}, 2);
    Tensor rm = b.fromHost(new float[] {1, 1}, 2), rv = b.fromHost(new float[] {2, 2}, 2);
    Tensor sm = b.zeros(2), si = b.zeros(2), y = b.zeros(2, 1, 2, 2), yi = b.zeros(2, 1, 2, 2);
    b.batchNormTrainForward(x, gamma, beta, rm, rv, 0.1f, 1e-5f, sm, si, false, Noise.NONE, y);
    double[] m = read(b, rm), v = read(b, rv), s = read(b, sm), inv = read(b, si), out = read(b, y);
    near((1 - MOM) * 1 + MOM * 3, m[0], tol, "running mean c0");
    near((1 - MOM) * 1 + MOM * 0, m[1], tol, "running mean c1");
    near((1 - MOM) * 2 + MOM * 14.0 / 3, v[0], tol, "running var c0 (unbiased batch var)");
    near((1 - MOM) * 2 + MOM * 4.0 / 3, v[1], tol, "running var c1 (unbiased batch var)");
    near(3, s[0], tol, "saved mean c0");
    near(1 / Math.sqrt(3.5 + EPS), inv[0], tol, "saved inv std c0 (biased var)");
    near(2 * (6 - 3) / Math.sqrt(3.5 + EPS) + 0.25, out[6], tol, "training output (n=1, w=1, c=0)");
    // Inference uses the running statistics just updated.
    b.batchNormInferenceForward(x, gamma, beta, rm, rv, 1e-5f, true, Noise.NONE, yi);
    double[] o = read(b, yi);
    near(Math.max(0, 2 * (1 - m[0]) / Math.sqrt(v[0] + EPS) + 0.25), o[0], tol, "inference c0 (ReLU)");
    near(Math.max(0, 0.5 * (1 - m[1]) / Math.sqrt(v[1] + EPS) - 1), o[7], tol, "inference c1 (ReLU)");
  }

  @ParameterizedTest
  @MethodSource("backends")
  void softmaxCrossEntropyStats(Backend b, double tol) {
    // Sample 0: logits 1 2 3, label 2 (right). Sample 1: 1 1 1, label 0 (tie: first maximum, right).
    // Sample 2: 0 5 0, label 0 (wrong).
    Tensor z = b.fromHost(new float[] {1, 2, 3, 1, 1, 1, 0, 5, 0}, 3, 3), l = b.fromHost(new float[] {2, 0, 0}, 3);
    Tensor dz = b.zeros(3, 3), st = b.zeros(2);
    b.softmaxCrossEntropy(z, l, dz, st);
    double l0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3, l1 = Math.log(3), l2 = Math.log(2 + Math.exp(5));
    double[] s = read(b, st), g = read(b, dz);
    near((l0 + l1 + l2) / 3, s[0], tol, "mean loss");
    assertEquals(2.0, s[1], "number correct");
    near((Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)) - 1) / 3, g[2], tol, "dlogits[0][2]");
    near((1.0 / 3) / 3, g[4], tol, "dlogits[1][1]");
    near((1 / (2 + Math.exp(5)) - 1) / 3, g[6], tol, "dlogits[2][0]");
  }

  @ParameterizedTest
  @MethodSource("backends")
  void adamByHand(Backend b, double tol) {
    // Constant gradient 0.5, no weight decay: m_t/(1-b1^t) = g and v_t/(1-b2^t) = g^2 exactly, so each
    // step moves p by lr * g / (|g| + eps).
    Tensor p = b.fromHost(new float[] {1}, 1), g = b.fromHost(new float[] {0.5f}, 1), m = b.zeros(1), v = b.zeros(1);
    AdamConfig cfg = new AdamConfig(1e-3f, 0.9f, 0.999f, 1e-8f, 0f);
    for (int t = 1; t <= 3; t++) b.adamUpdate(List.of(p), List.of(g), List.of(m), List.of(v), cfg, t);
    near(1 - 3 * (double) 1e-3f * 0.5 / (0.5 + (double) 1e-8f), read(b, p)[0], tol, "Adam, 3 steps, constant gradient");

    // With weight decay the gradient changes: torch.optim.Adam's loop, transcribed for one scalar.
    AdamConfig wd = new AdamConfig(0.1f, 0.8f, 0.95f, 1e-3f, 0.2f);
    double pe = 1.5, me = 0, ve = 0;
    double[] grads = {0.3, -1.2, 0.05, 2.0};
    Tensor p2 = b.fromHost(new float[] {1.5f}, 1), m2 = b.zeros(1), v2 = b.zeros(1);
    for (int t = 1; t <= grads.length; t++) {
      double gr = (float) grads[t - 1] + (double) wd.weightDecay() * pe;
      me = wd.beta1() * me + (1 - (double) wd.beta1()) * gr;
      ve = wd.beta2() * ve + (1 - (double) wd.beta2()) * gr * gr;
      double stepSize = wd.lr() / (1 - Math.pow(wd.beta1(), t));
      double denom = Math.sqrt(ve) / Math.sqrt(1 - Math.pow(wd.beta2(), t)) + wd.eps();
      pe -= stepSize * me / denom;
      Tensor gt = b.fromHost(new float[] {(float) grads[t - 1]}, 1);
      b.adamUpdate(List.of(p2), List.of(gt), List.of(m2), List.of(v2), wd, t);
      near(pe, read(b, p2)[0], tol * 10, "Adam with weight decay, step " + t);
      near(me, read(b, m2)[0], tol * 10, "Adam m, step " + t);
    }
  }

  @ParameterizedTest
  @MethodSource("backends")
  void sgdByHand(Backend b, double tol) {
    // Momentum 0.75, constant gradient 1, lr 0.125 (all exact in binary): buffers 1, 1.75, 2.3125
    // -> p = 1 - 0.125 * 5.0625. Nesterov steps use g + mu * buf: 1.75, 2.3125, 2.734375 -> 0.125 * 6.796875.
    Tensor p = b.fromHost(new float[] {1}, 1), pn = b.fromHost(new float[] {1}, 1), g = b.fromHost(new float[] {1}, 1);
    Tensor buf = b.zeros(1), bufN = b.zeros(1);
    for (int t = 1; t <= 3; t++) {
      b.sgdUpdate(List.of(p), List.of(g), List.of(buf), new SgdConfig(0.125f, 0.75f, 0f, 0f, false), t == 1);
      b.sgdUpdate(List.of(pn), List.of(g), List.of(bufN), new SgdConfig(0.125f, 0.75f, 0f, 0f, true), t == 1);
    }
    near(1 - 0.125 * 5.0625, read(b, p)[0], tol, "SGD momentum");
    near(2.3125, read(b, buf)[0], tol, "SGD momentum buffer");
    near(1 - 0.125 * 6.796875, read(b, pn)[0], tol, "SGD Nesterov");

    // Dampening and weight decay: torch.optim.SGD's loop, transcribed (first step: buf = g, undampened).
    SgdConfig cfg = new SgdConfig(0.05f, 0.7f, 0.3f, 0.01f, false);
    double pe = -2, be = 0;
    double[] grads = {0.4, 0.1, -0.9};
    Tensor p2 = b.fromHost(new float[] {-2}, 1), b2 = b.zeros(1);
    for (int t = 1; t <= 3; t++) {
      double gr = (float) grads[t - 1] + (double) cfg.weightDecay() * pe;
      be = t == 1 ? gr : cfg.momentum() * be + (1 - (double) cfg.dampening()) * gr;
      pe -= cfg.lr() * be;
      b.sgdUpdate(List.of(p2), List.of(b.fromHost(new float[] {(float) grads[t - 1]}, 1)), List.of(b2), cfg, t == 1);
      near(pe, read(b, p2)[0], tol, "SGD dampening + weight decay, step " + t);
    }
    // Momentum 0: plain SGD, the buffer is not touched.
    Tensor p3 = b.fromHost(new float[] {3}, 1), b3 = b.fromHost(new float[] {7}, 1);
    b.sgdUpdate(List.of(p3), List.of(g), List.of(b3), new SgdConfig(0.5f, 0f, 0f, 0.1f, false), true);
    near(3 - 0.5 * (1 + (double) 0.1f * 3), read(b, p3)[0], tol, "plain SGD with weight decay");
    assertEquals(7.0, read(b, b3)[0]);
  }
}
