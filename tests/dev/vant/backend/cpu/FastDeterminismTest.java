package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.Backend;
import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast backend gives bit-identical results with 1 thread and with several (chunks depend only on
 * shapes, partial sums are combined in chunk order), and twice in a row on the same backend. Small
 * conv chunks/segments make the shapes below span many chunks.
 */
class FastDeterminismTest {

  /** A forward/backward workout touching every parallel op; returns every output, concatenated. */
  static List<float[]> run(Backend b) {
    Random rnd = new Random(11);
    List<float[]> out = new ArrayList<>();
    Conv2dShape g = new Conv2dShape(6, 11, 9, 7, 70, 3, 3, 1, 1);
    Tensor x = rand(b, rnd, g.inputShape()), w = rand(b, rnd, g.weightShape()), bias = rand(b, rnd, g.k());
    Tensor y = b.zeros(g.outputShape()), dx = b.zeros(g.inputShape()), dw = b.zeros(g.weightShape()), db = b.zeros(g.k());
    Tensor sig = rand(b, rnd, g.n());
    Noise nz = new Noise(Noise.Type.COMBINED, 0.2f, sig, 3L, 1, 2);
    b.conv2dForward(g, x, w, bias, nz, y);
    b.conv2dBackwardData(g, y, w, dx);
    b.conv2dBackwardWeight(g, x, y, dw, db);
    // A second conv whose dw (50 x 360) is above FastConv2d.SMALL_DW: the blocked, segmented dw path.
    Conv2dShape g2 = new Conv2dShape(7, 6, 5, 40, 50, 3, 3, 2, 1);
    Tensor x2 = rand(b, rnd, g2.inputShape()), w2 = rand(b, rnd, g2.weightShape()), dy2 = rand(b, rnd, g2.outputShape());
    Tensor dw2 = b.zeros(g2.weightShape()), dx2 = b.zeros(g2.inputShape());
    b.conv2dBackwardWeight(g2, x2, dy2, dw2, null);
    b.conv2dBackwardData(g2, dy2, w2, dx2);
    out.add(b.toHost(dw2));
    out.add(b.toHost(dx2));
    int K = g.k();
    Tensor gamma = rand(b, rnd, K), beta = rand(b, rnd, K), rm = b.zeros(K), rv = b.zeros(K), sm = b.zeros(K), si = b.zeros(K);
    Tensor z = b.zeros(g.outputShape()), dz = b.zeros(g.outputShape()), dg = b.zeros(K), dbe = b.zeros(K);
    b.batchNormTrainForward(y, gamma, beta, rm, rv, 0.1f, 1e-5f, sm, si, true, nz, z);
    b.batchNormBackward(z, y, gamma, beta, sm, si, true, dz, dg, dbe);
    PoolShape pg = new PoolShape(g.n(), g.p(), g.q(), K, 3, 2, 1);
    Tensor pooled = b.zeros(pg.outputShape()), arg = b.zeros(pg.outputShape()), dp = b.zeros(g.outputShape());
    b.maxPoolForward(pg, z, nz, pooled, arg);
    b.maxPoolBackward(pg, pooled, arg, dp);
    Tensor avg = b.zeros(g.n(), K), lw = rand(b, rnd, 10, K), logits = b.zeros(g.n(), 10), dl = b.zeros(g.n(), 10);
    Tensor da = b.zeros(g.n(), K), dlw = b.zeros(10, K), dlb = b.zeros(10), dpool = b.zeros(pg.outputShape());
    b.globalAvgPoolForward(pooled, nz, avg);
    b.linearForward(avg, lw, null, nz, logits);
    b.linearBackwardData(logits, lw, da);
    b.linearBackwardWeight(avg, logits, dlw, dlb);
    b.globalAvgPoolBackward(da, dpool);
    List<Tensor> ps = List.of(w, bias, gamma, lw), gs = List.of(dw, db, dg, dlw);
    List<Tensor> ms = new ArrayList<>(), vs = new ArrayList<>();
    for (Tensor p : ps) {
      ms.add(b.zeros(p.shape()));
      vs.add(b.zeros(p.shape()));
    }
    for (int t = 1; t <= 2; t++) b.adamUpdate(ps, gs, ms, vs, AdamConfig.paper(1e-3f), t);
    for (Tensor t : List.of(y, dx, dw, db, z, dz, dg, dbe, rm, rv, pooled, arg, dp, avg, logits, da, dlw, dlb, dpool, w, gamma, lw)) {
      out.add(b.toHost(t));
    }
    return out;
  }

  static Tensor rand(Backend b, Random rnd, int... shape) {
    int n = 1;
    for (int s : shape) n *= s;
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
    return b.fromHost(a, shape);
  }

  @Test
  void sameBitsForAnyThreadCount() {
    List<float[]> one, four, again;
    try (FastBackend b1 = new FastBackend(1, 5000, 8000); FastBackend b4 = new FastBackend(4, 5000, 8000)) {
      one = run(b1);
      four = run(b4);
      again = run(b4);
    }
    for (int i = 0; i < one.size(); i++) {
      assertArrayEquals(one.get(i), four.get(i), "output " + i + ": 1 thread vs 4 threads");
      assertArrayEquals(four.get(i), again.get(i), "output " + i + ": run twice");
    }
  }
}
