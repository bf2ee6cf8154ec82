package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vant.backend.AdamConfig;
import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.backend.SgdConfig;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * fast == reference(FLOAT32) for every op, every noise form, scalar and per-sample sigma, on random and
 * awkward shapes (odd sizes, stride 2, 1x1, 7x7, padding 0..3, C and K not multiples of anything).
 * Tolerance: {@link Twin#TOL}. The fast backend runs with 3 threads and tiny conv chunks/segments so
 * that small shapes go through the chunked im2col and the segmented weight-gradient paths.
 */
class FastBackendTest {
  static FastBackend fast;

  @BeforeAll
  static void open() {
    fast = new FastBackend(3, 3000, 20000);
  }

  @AfterAll
  static void close() {
    fast.close();
  }

  static List<Conv2dShape> convShapes() {
    List<Conv2dShape> l = new ArrayList<>(List.of(
        new Conv2dShape(2, 9, 9, 3, 5, 7, 7, 2, 3),    // 7x7 stride 2 stem
        new Conv2dShape(3, 5, 7, 13, 11, 1, 1, 1, 0),  // pointwise: GEMM on x directly
        new Conv2dShape(3, 9, 8, 7, 6, 1, 1, 2, 0),    // 1x1 stride 2 shortcut
        new Conv2dShape(2, 6, 5, 5, 9, 3, 3, 1, 1),
        new Conv2dShape(1, 3, 3, 2, 3, 3, 3, 1, 3),    // padding larger than the image
        new Conv2dShape(4, 11, 13, 19, 23, 3, 3, 2, 1),
        new Conv2dShape(5, 7, 7, 70, 67, 3, 3, 1, 1))); // dw blocks over K (64 rows) and RSC
    Random rnd = new Random(77);
    for (int i = 0; i < 6; i++) {
      int r = 1 + rnd.nextInt(5), s = 1 + rnd.nextInt(5), pad = rnd.nextInt(4), stride = 1 + rnd.nextInt(2);
      int h = Math.max(r, 1 + rnd.nextInt(12)), w = Math.max(s, 1 + rnd.nextInt(12));
      l.add(new Conv2dShape(1 + rnd.nextInt(4), h, w, 1 + rnd.nextInt(17), 1 + rnd.nextInt(21), r, s, stride, pad));
    }
    return l;
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void conv2d(Noise.Type type) {
    Twin t = new Twin(fast, 1);
    int site = 0;
    for (Conv2dShape g : convShapes()) {
      boolean bias = site % 2 == 0;
      Tensor[] x = t.rand(g.inputShape()), w = t.rand(g.weightShape()), b = bias ? t.rand(g.k()) : Twin.nulls();
      Tensor[] y = t.zeros(g.outputShape()), dy = t.rand(g.outputShape());
      Tensor[] dx = t.zeros(g.inputShape()), dw = t.zeros(g.weightShape()), db = bias ? t.zeros(g.k()) : Twin.nulls();
      Noise[] nz = t.noise(type, !bias, g.n(), site++, 5);
      for (int i = 0; i < 2; i++) {
        var be = i == 0 ? t.ref : t.fast;
        be.conv2dForward(g, x[i], w[i], b[i], nz[i], y[i]);
        be.conv2dBackwardData(g, dy[i], w[i], dx[i]);
        be.conv2dBackwardWeight(g, x[i], dy[i], dw[i], db[i]);
      }
      t.compare("conv2dForward " + g + " " + type, y);
      t.compare("conv2dBackwardData " + g, dx);
      t.compare("conv2dBackwardWeight " + g, dw);
      if (bias) t.compare("conv2dBackwardWeight dbias " + g, db);
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void linear(Noise.Type type) {
    Twin t = new Twin(fast, 2);
    int[][] dims = {{3, 7, 5}, {130, 65, 70}, {1, 1, 1}, {67, 129, 10}, {701, 33, 70}}; // 701 x 70: several dbias chunks
    for (int[] d : dims) {
      int n = d[0], in = d[1], out = d[2];
      boolean bias = n % 2 == 1;
      Tensor[] x = t.rand(n, in), w = t.rand(out, in), b = bias ? t.rand(out) : Twin.nulls();
      Tensor[] y = t.zeros(n, out), dy = t.rand(n, out), dx = t.zeros(n, in), dw = t.zeros(out, in), db = bias ? t.zeros(out) : Twin.nulls();
      Noise[] nz = t.noise(type, bias, n, 3, 1);
      for (int i = 0; i < 2; i++) {
        var be = i == 0 ? t.ref : t.fast;
        be.linearForward(x[i], w[i], b[i], nz[i], y[i]);
        be.linearBackwardData(dy[i], w[i], dx[i]);
        be.linearBackwardWeight(x[i], dy[i], dw[i], db[i]);
      }
      String s = " n=" + n + " in=" + in + " out=" + out + " " + type;
      t.compare("linearForward" + s, y);
      t.compare("linearBackwardData" + s, dx);
      t.compare("linearBackwardWeight" + s, dw);
      if (bias) t.compare("linearBackwardWeight dbias" + s, db);
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void batchNorm(Noise.Type type) {
    Twin t = new Twin(fast, 3);
    int[][] shapes = {{3, 5, 7, 13}, {64, 9, 9, 3}, {5, 17}, {40, 30, 30, 5}}; // the last spans several BN chunks
    for (int[] shape : shapes) {
      int C = shape[shape.length - 1];
      for (boolean relu : new boolean[] {false, true}) {
        Tensor[] x = t.randIn(-2, 4, shape), gamma = t.randIn(0.5, 1.5, C), beta = t.randIn(-0.5, 0.5, C);
        Tensor[] rm = t.rand(C), rv = t.randIn(0.5, 2, C), sm = t.zeros(C), si = t.zeros(C);
        Tensor[] y = t.zeros(shape), yi = t.zeros(shape), dy = t.rand(shape), dx = t.zeros(shape), dg = t.zeros(C), db = t.zeros(C);
        Noise[] nz = t.noise(type, relu, shape[0], 7, 2);
        for (int i = 0; i < 2; i++) {
          var be = i == 0 ? t.ref : t.fast;
          be.batchNormTrainForward(x[i], gamma[i], beta[i], rm[i], rv[i], 0.1f, 1e-5f, sm[i], si[i], relu, nz[i], y[i]);
          be.batchNormInferenceForward(x[i], gamma[i], beta[i], rm[i], rv[i], 1e-5f, relu, nz[i], yi[i]);
          be.batchNormBackward(dy[i], x[i], gamma[i], beta[i], sm[i], si[i], relu, dx[i], dg[i], db[i]);
        }
        String s = " " + java.util.Arrays.toString(shape) + " relu=" + relu + " " + type;
        t.compare("batchNormTrainForward" + s, y);
        t.compare("batchNorm saveMean" + s, sm);
        t.compare("batchNorm saveInvStd" + s, si);
        t.compare("batchNorm runningMean" + s, rm);
        t.compare("batchNorm runningVar" + s, rv);
        t.compare("batchNormInferenceForward" + s, yi);
        t.compare("batchNormBackward dx" + s, dx);
        t.compare("batchNormBackward dgamma" + s, dg);
        t.compare("batchNormBackward dbeta" + s, db);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void elementwise(Noise.Type type) {
    Twin t = new Twin(fast, 4);
    int[] shape = {5, 17, 19, 23}; // > one elementwise chunk
    Tensor[] a = t.rand(shape), b = t.rand(shape), y = t.zeros(shape), dy = t.rand(shape), dx = t.zeros(shape);
    Tensor[] y2 = t.zeros(shape), dx2 = t.zeros(shape), y3 = t.zeros(shape), dx3 = t.zeros(shape);
    Noise[] nz = t.noise(type, true, 5, 9, 3);
    for (int i = 0; i < 2; i++) {
      var be = i == 0 ? t.ref : t.fast;
      be.reluForward(a[i], nz[i], y[i]);
      be.reluBackward(dy[i], a[i], dx[i]);
      be.addReluForward(a[i], b[i], nz[i], y2[i]);
      be.addReluBackward(dy[i], a[i], b[i], dx2[i]);
      be.noiseForward(a[i], nz[i], y3[i]);
      be.noiseBackward(nz[i], dy[i], dx3[i]);
    }
    t.compare("reluForward " + type, y);
    t.compare("reluBackward", dx);
    t.compare("addReluForward " + type, y2);
    t.compare("addReluBackward", dx2);
    t.compare("noiseForward " + type, y3);
    t.compare("noiseBackward " + type, dx3);
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void pooling(Noise.Type type) {
    Twin t = new Twin(fast, 5);
    PoolShape[] shapes = {new PoolShape(3, 16, 16, 13, 3, 2, 1), new PoolShape(2, 7, 9, 5, 2, 2, 0), new PoolShape(2, 5, 5, 3, 3, 1, 1), new PoolShape(1, 4, 6, 2, 4, 3, 2)};
    for (PoolShape g : shapes) {
      Tensor[] x = t.rand(g.n(), g.h(), g.w(), g.c()), y = t.zeros(g.outputShape()), dy = t.rand(g.outputShape());
      Tensor[] arg = t.zeros(g.outputShape());
      Tensor[] dx = t.zeros(g.n(), g.h(), g.w(), g.c());
      Tensor[] ya = t.zeros(g.n(), g.c()), dya = t.rand(g.n(), g.c()), dxa = t.zeros(g.n(), g.h(), g.w(), g.c());
      Noise[] nz = t.noise(type, true, g.n(), 11, 4);
      for (int i = 0; i < 2; i++) {
        var be = i == 0 ? t.ref : t.fast;
        be.maxPoolForward(g, x[i], nz[i], y[i], arg[i]);
        be.maxPoolBackward(g, dy[i], arg[i], dx[i]);
        be.globalAvgPoolForward(x[i], nz[i], ya[i]);
        be.globalAvgPoolBackward(dya[i], dxa[i]);
      }
      t.compare("maxPoolForward " + g + " " + type, y);
      assertArrayEquals(t.ref.toHost(arg[0]), t.fast.toHost(arg[1]), "maxPoolForward argmax " + g);
      t.compare("maxPoolBackward " + g, dx);
      t.compare("globalAvgPoolForward " + g + " " + type, ya);
      t.compare("globalAvgPoolBackward " + g, dxa);
    }
  }

  @Test
  void softmaxCrossEntropyAndSigmas() {
    Twin t = new Twin(fast, 6);
    int n = 37, k = 11;
    Tensor[] z = t.randIn(-5, 5, n, k), dz = t.zeros(n, k), st = t.zeros(2), sig = t.zeros(n);
    float[] l = new float[n];
    for (int i = 0; i < n; i++) l[i] = t.rnd.nextInt(k);
    Tensor[] labels = t.of(l, n);
    for (int i = 0; i < 2; i++) {
      var be = i == 0 ? t.ref : t.fast;
      be.softmaxCrossEntropy(z[i], labels[i], dz[i], st[i]);
      be.sampleSigmas(5L, 1 << 30, 12, 0.45f * 2.1f, 0.85f, sig[i]);
    }
    t.compare("softmaxCrossEntropy dlogits", dz);
    t.compare("softmaxCrossEntropy stats", st);
    assertEquals(t.ref.toHost(st[0])[1], t.fast.toHost(st[1])[1], "number correct");
    t.compare("sampleSigmas", sig);
  }

  @Test
  void optimizers() {
    Twin t = new Twin(fast, 7);
    int[][] shapes = {{70000}, {3, 5}, {1}};
    List<List<Tensor>> p = new ArrayList<>(), g = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>();
    List<List<Tensor>> sp = new ArrayList<>(), sb = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      p.add(new ArrayList<>()); g.add(new ArrayList<>()); m.add(new ArrayList<>()); v.add(new ArrayList<>());
      sp.add(new ArrayList<>()); sb.add(new ArrayList<>());
    }
    for (int[] s : shapes) {
      Tensor[] pp = t.rand(s), gg = t.rand(s), mm = t.zeros(s), vv = t.zeros(s), spp = t.rand(s), sbb = t.zeros(s);
      for (int i = 0; i < 2; i++) {
        p.get(i).add(pp[i]); g.get(i).add(gg[i]); m.get(i).add(mm[i]); v.get(i).add(vv[i]);
        sp.get(i).add(spp[i]); sb.get(i).add(sbb[i]);
      }
    }
    AdamConfig adam = new AdamConfig(1e-2f, 0.9f, 0.999f, 1e-8f, 1e-2f);
    SgdConfig sgd = new SgdConfig(0.05f, 0.9f, 0.1f, 5e-4f, true);
    for (int step = 1; step <= 3; step++) {
      for (int i = 0; i < 2; i++) {
        var be = i == 0 ? t.ref : t.fast;
        be.adamUpdate(p.get(i), g.get(i), m.get(i), v.get(i), adam, step);
        be.sgdUpdate(sp.get(i), g.get(i), sb.get(i), sgd, step == 1);
      }
    }
    for (int j = 0; j < shapes.length; j++) {
      t.compare("adam param " + j, new Tensor[] {p.get(0).get(j), p.get(1).get(j)});
      t.compare("adam m " + j, new Tensor[] {m.get(0).get(j), m.get(1).get(j)});
      t.compare("adam v " + j, new Tensor[] {v.get(0).get(j), v.get(1).get(j)});
      t.compare("sgd param " + j, new Tensor[] {sp.get(0).get(j), sp.get(1).get(j)});
      t.compare("sgd momentum " + j, new Tensor[] {sb.get(0).get(j), sb.get(1).get(j)});
    }
  }
}
