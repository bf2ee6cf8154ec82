package dev.vant.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.Conv2dShape;
import dev.vant.backend.JoinInput;
import dev.vant.backend.Noise;
import dev.vant.tensor.Tensor;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The residual block's fusions on every CPU backend. The join reading its inputs through their BatchNorms
 * ({@link JoinInput}) gives the bits of the unfused forward: BatchNorm written out, then the join; the same for the
 * statistics-only training forward ({@link Backend#batchNormTrainStatistics}) and the join's backward (mask
 * recomputed). Shapes with C not a multiple of 4 and chunks that start mid-row (the fast backend's elementwise
 * chunks). The data gradient with an addend (the block's two input gradients summed) equals the data gradient
 * followed by add.
 */
class ResidualFusionTest {
  static Stream<Backend> backends() {
    return Stream.of(new ReferenceBackend(Precision.FLOAT32), new ReferenceBackend(Precision.DOUBLE), new FastBackend(3));
  }

  private static Tensor rand(Backend b, Random rnd, float lo, float hi, int... shape) {
    int n = 1;
    for (int s : shape) n *= s;
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd.nextFloat();
    return b.fromHost(a, shape);
  }

  private static void assertSameBits(Backend b, String what, Tensor expected, Tensor actual) {
    assertArrayEquals(b.toHost(expected), b.toHost(actual), what + " (" + b.name() + ")");
  }

  @ParameterizedTest
  @MethodSource("backends")
  void fusedJoinEqualsBatchNormThenJoin(Backend b) {
    Random rnd = new Random(5);
    int[][] shapes = {{3, 5, 7, 13}, {2, 45, 41, 19}, {37, 6}};
    Noise.Type[] types = {Noise.Type.ADDITIVE, Noise.Type.COMBINED, Noise.Type.NONE};
    for (int i = 0; i < shapes.length; i++) {
      int[] s = shapes[i];
      int n = s[0], c = s[s.length - 1];
      Noise nz = types[i] == Noise.Type.NONE ? Noise.NONE : new Noise(types[i], 0.3f, rand(b, rnd, 0.1f, 0.5f, n), 17L, 4, 2);
      String what = java.util.Arrays.toString(s) + " " + types[i];
      Tensor xa = rand(b, rnd, -3, 5, s), xb = rand(b, rnd, -2, 2, s), dy = rand(b, rnd, -1, 1, s);
      Tensor[] ga = {rand(b, rnd, 0.5f, 1.5f, c), rand(b, rnd, 0.5f, 1.5f, c)}, be = {rand(b, rnd, -1, 1, c), rand(b, rnd, -1, 1, c)};
      // Training: the full forward writes the BatchNorm's output, the statistics-only forward does not.
      Tensor rm1 = rand(b, rnd, -1, 1, c), rv1 = rand(b, rnd, 0.5f, 2, c), rm2 = b.zeros(c), rv2 = b.zeros(c);
      b.copy(rm1, rm2);
      b.copy(rv1, rv2);
      Tensor mean1 = b.zeros(c), inv1 = b.zeros(c), mean2 = b.zeros(c), inv2 = b.zeros(c), ya = b.zeros(s);
      b.batchNormTrainForward(xa, ga[0], be[0], rm1, rv1, 0.1f, 1e-5f, mean1, inv1, false, Noise.NONE, ya);
      b.batchNormTrainStatistics(xa, rm2, rv2, 0.1f, 1e-5f, mean2, inv2);
      assertSameBits(b, "saveMean " + what, mean1, mean2);
      assertSameBits(b, "saveInvStd " + what, inv1, inv2);
      assertSameBits(b, "runningMean " + what, rm1, rm2);
      assertSameBits(b, "runningVar " + what, rv1, rv2);
      JoinInput a = JoinInput.trained(xa, ga[0], be[0], mean2, inv2);
      // Main branch normalized, shortcut plain (identity) and normalized (a second BatchNorm).
      Tensor mean3 = b.zeros(c), inv3 = b.zeros(c), yb = b.zeros(s);
      b.batchNormTrainForward(xb, ga[1], be[1], b.zeros(c), b.zeros(c), 0.1f, 1e-5f, mean3, inv3, false, Noise.NONE, yb);
      JoinInput[] shortcuts = {JoinInput.plain(xb), JoinInput.trained(xb, ga[1], be[1], mean3, inv3)};
      Tensor[] written = {xb, yb};
      for (int k = 0; k < 2; k++) {
        Tensor y1 = b.zeros(s), y2 = b.zeros(s), d1 = b.zeros(s), d2 = b.zeros(s);
        b.addReluForward(ya, written[k], nz, y1);
        b.addReluForward(a, shortcuts[k], nz, y2);
        assertSameBits(b, "join forward, shortcut " + k + " " + what, y1, y2);
        b.addReluBackward(dy, ya, written[k], d1);
        b.addReluBackward(dy, a, shortcuts[k], d2);
        assertSameBits(b, "join backward, shortcut " + k + " " + what, d1, d2);
        // Swapped: the normalized input second.
        b.addReluForward(shortcuts[k], a, nz, y2);
        b.addReluForward(written[k], ya, nz, y1);
        assertSameBits(b, "join forward swapped, shortcut " + k + " " + what, y1, y2);
      }
      // Inference: the running statistics, 1/sqrt(var + eps) as the inference forward computes it.
      Tensor yi = b.zeros(s), y1 = b.zeros(s), y2 = b.zeros(s), d1 = b.zeros(s), d2 = b.zeros(s);
      b.batchNormInferenceForward(xa, ga[0], be[0], rm1, rv1, 1e-3f, false, Noise.NONE, yi);
      JoinInput ai = JoinInput.inference(xa, ga[0], be[0], rm1, rv1, 1e-3f);
      b.addReluForward(yi, xb, nz, y1);
      b.addReluForward(ai, JoinInput.plain(xb), nz, y2);
      assertSameBits(b, "inference join forward " + what, y1, y2);
      b.addReluBackward(dy, yi, xb, d1);
      b.addReluBackward(dy, ai, JoinInput.plain(xb), d2);
      assertSameBits(b, "inference join backward " + what, d1, d2);
      // The fused join is not the plain one: the test would notice a join that ignored the BatchNorm.
      b.addReluForward(xa, xb, nz, y1);
      assertTrue(!java.util.Arrays.equals(b.toHost(y1), b.toHost(y2)), "the normalization changes the join's output");
    }
    b.close();
  }

  @ParameterizedTest
  @MethodSource("backends")
  void dataGradientWithAnAddendEqualsDataGradientThenAdd(Backend b) {
    Random rnd = new Random(6);
    Conv2dShape g = new Conv2dShape(2, 7, 6, 5, 9, 3, 3, 2, 1);
    Tensor dy = rand(b, rnd, -1, 1, g.outputShape()), w = rand(b, rnd, -1, 1, g.weightShape());
    Tensor add = rand(b, rnd, -2, 2, g.inputShape()), dx = b.zeros(g.inputShape()), sum = b.zeros(g.inputShape());
    Tensor fused = b.zeros(g.inputShape());
    b.conv2dBackwardData(g, dy, w, dx);
    b.add(dx, add, sum);
    b.conv2dBackwardData(g, dy, w, fused, add);
    assertSameBits(b, "conv2dBackwardData + addend", sum, fused);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.conv2dBackwardData(g, dy, w, fused, fused));
    assertTrue(e.getMessage().contains("addend is dx"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> b.conv2dBackwardData(g, dy, w, fused, b.zeros(2, 7, 6, 4)));
    assertTrue(e.getMessage().contains("addend") && e.getMessage().contains("[2, 7, 6, 4]"), e.getMessage());
    b.close();
  }

  @ParameterizedTest
  @MethodSource("backends")
  void batchNormBackwardSumsDxAsAConvBiasGradientWould(Backend b) {
    Random rnd = new Random(7);
    int[] s = {3, 9, 7, 11};
    int c = s[3];
    Tensor x = rand(b, rnd, -2, 3, s), dy = rand(b, rnd, -1, 1, s), gamma = rand(b, rnd, 0.5f, 1.5f, c), beta = rand(b, rnd, -1, 1, c);
    Tensor mean = b.zeros(c), inv = b.zeros(c), y = b.zeros(s), dx1 = b.zeros(s), dx2 = b.zeros(s);
    Tensor dg = b.zeros(c), db = b.zeros(c), sums = b.zeros(c);
    b.batchNormTrainForward(x, gamma, beta, b.zeros(c), b.zeros(c), 0.1f, 1e-5f, mean, inv, true, Noise.NONE, y);
    b.batchNormBackward(dy, x, gamma, beta, mean, inv, true, dx1, dg, db);
    b.batchNormBackward(dy, x, gamma, beta, mean, inv, true, dx2, dg, db, sums);
    assertSameBits(b, "dx with sums", dx1, dx2);
    // The bias gradient of a 1x1 convolution whose dy is dx: what the conv before this BatchNorm would compute.
    Conv2dShape g = new Conv2dShape(s[0], s[1], s[2], 2, c, 1, 1, 1, 0);
    Tensor bias = b.zeros(c);
    b.conv2dBackwardWeight(g, rand(b, rnd, -1, 1, g.inputShape()), dx1, b.zeros(g.weightShape()), bias);
    assertSameBits(b, "dx sums vs the conv's bias gradient", bias, sums);
    b.close();
  }

  @ParameterizedTest
  @MethodSource("backends")
  void badJoinInputsNameTheInputAndTheVector(Backend b) {
    Tensor x = b.zeros(2, 3, 3, 5), y = b.zeros(2, 3, 3, 5);
    JoinInput wrongGamma = JoinInput.trained(x, b.zeros(4), b.zeros(5), b.zeros(5), b.zeros(5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> b.addReluForward(JoinInput.plain(x), wrongGamma, Noise.NONE, y));
    assertTrue(e.getMessage().contains("addReluForward") && e.getMessage().contains("b.gamma")
        && e.getMessage().contains("[4]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> b.addReluBackward(y, JoinInput.plain(x), JoinInput.plain(b.zeros(2, 3, 3, 4)), y));
    assertTrue(e.getMessage().contains("addReluBackward"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> b.batchNormTrainStatistics(x, b.zeros(5), b.zeros(5), 0.1f, 1e-5f, b.zeros(3), b.zeros(5)));
    assertTrue(e.getMessage().contains("batchNormTrainStatistics") && e.getMessage().contains("saveMean"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new JoinInput(x, b.zeros(5), null, b.zeros(5), b.zeros(5), false, 0f));
    assertTrue(e.getMessage().contains("gamma, beta, mean and scale"), e.getMessage());
    b.close();
  }
}
