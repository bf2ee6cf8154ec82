package dev.vant.backend.cpu;

import static dev.vant.backend.cpu.GradCheck.DBL;
import static dev.vant.backend.cpu.GradCheck.check;
import static dev.vant.backend.cpu.GradCheck.dot;
import static dev.vant.backend.cpu.GradCheck.noiseOf;
import static dev.vant.backend.cpu.GradCheck.rand;
import static dev.vant.backend.cpu.GradCheck.randIn;
import static dev.vant.backend.cpu.GradCheck.throughNoise;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Gradient checks in double (see {@link GradCheck} for the tolerance) of every op of the reference
 * backend, under every noise form (none, additive, multiplicative, combined), with scalar and
 * per-sample sigma. The backward ops are exactly the ones layers will call: noiseBackward, then the
 * op's backward.
 */
class ReferenceGradientTest {

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void noise(Noise.Type type) {
    Random rnd = new Random(1);
    for (boolean perSample : new boolean[] {false, true}) {
      Tensor x = rand(rnd, 3, 2, 3, 5), y = DBL.zeros(3, 2, 3, 5), gy = rand(rnd, 3, 2, 3, 5);
      Noise nz = noiseOf(type, perSample, 3, 7);
      Tensor gx = throughNoise(nz, gy);
      check("noise " + type + " perSample=" + perSample, x, gx, () -> {
        DBL.noiseForward(x, nz, y);
        return dot(y, gy);
      });
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void conv2d(Noise.Type type) {
    Random rnd = new Random(2);
    Conv2dShape[] shapes = {
        new Conv2dShape(2, 5, 6, 3, 4, 3, 3, 1, 1),
        new Conv2dShape(2, 7, 5, 3, 5, 3, 3, 2, 1),
        new Conv2dShape(1, 4, 4, 5, 3, 1, 1, 2, 0),
        new Conv2dShape(2, 6, 7, 2, 3, 2, 3, 1, 2),
    };
    for (Conv2dShape g : shapes) {
      for (boolean bias : new boolean[] {true, false}) {
        Tensor x = rand(rnd, g.inputShape()), w = rand(rnd, g.weightShape());
        Tensor b = bias ? rand(rnd, g.k()) : null;
        Tensor y = DBL.zeros(g.outputShape()), gy = rand(rnd, g.outputShape());
        Noise nz = noiseOf(type, bias, g.n(), 3);
        Tensor gyn = throughNoise(nz, gy);
        Tensor dx = DBL.zeros(g.inputShape()), dw = DBL.zeros(g.weightShape()), db = bias ? DBL.zeros(g.k()) : null;
        DBL.conv2dBackwardData(g, gyn, w, dx);
        DBL.conv2dBackwardWeight(g, x, gyn, dw, db);
        java.util.function.DoubleSupplier loss = () -> {
          DBL.conv2dForward(g, x, w, b, nz, y);
          return dot(y, gy);
        };
        check("conv2d dx " + g + " " + type, x, dx, loss);
        check("conv2d dw " + g + " " + type, w, dw, loss);
        if (bias) check("conv2d dbias " + g + " " + type, b, db, loss);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void linear(Noise.Type type) {
    Random rnd = new Random(3);
    for (boolean bias : new boolean[] {true, false}) {
      int n = 3, in = 7, out = 5;
      Tensor x = rand(rnd, n, in), w = rand(rnd, out, in), b = bias ? rand(rnd, out) : null;
      Tensor y = DBL.zeros(n, out), gy = rand(rnd, n, out);
      Noise nz = noiseOf(type, !bias, n, 9);
      Tensor gyn = throughNoise(nz, gy);
      Tensor dx = DBL.zeros(n, in), dw = DBL.zeros(out, in), db = bias ? DBL.zeros(out) : null;
      DBL.linearBackwardData(gyn, w, dx);
      DBL.linearBackwardWeight(x, gyn, dw, db);
      java.util.function.DoubleSupplier loss = () -> {
        DBL.linearForward(x, w, b, nz, y);
        return dot(y, gy);
      };
      check("linear dx " + type, x, dx, loss);
      check("linear dw " + type, w, dw, loss);
      if (bias) check("linear dbias " + type, b, db, loss);
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void batchNormTrain(Noise.Type type) {
    Random rnd = new Random(4);
    for (boolean relu : new boolean[] {false, true}) {
      int[] shape = {3, 2, 3, 5};
      Tensor x = randIn(rnd, -2, 3, shape), gamma = randIn(rnd, 0.5, 1.5, 5), beta = randIn(rnd, -0.5, 0.5, 5);
      Tensor rm = DBL.zeros(5), rv = DBL.zeros(5), sm = DBL.zeros(5), si = DBL.zeros(5);
      Tensor y = DBL.zeros(shape), gy = rand(rnd, shape);
      Noise nz = noiseOf(type, relu, 3, 11);
      java.util.function.DoubleSupplier loss = () -> {
        DBL.batchNormTrainForward(x, gamma, beta, rm, rv, 0.1f, 1e-5f, sm, si, relu, nz, y);
        return dot(y, gy);
      };
      loss.getAsDouble();
      Tensor dx = DBL.zeros(shape), dg = DBL.zeros(5), db = DBL.zeros(5);
      DBL.batchNormBackward(throughNoise(nz, gy), x, gamma, beta, sm, si, relu, dx, dg, db);
      check("batchNorm dx relu=" + relu + " " + type, x, dx, loss);
      check("batchNorm dgamma relu=" + relu + " " + type, gamma, dg, loss);
      check("batchNorm dbeta relu=" + relu + " " + type, beta, db, loss);
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void relu(Noise.Type type) {
    Random rnd = new Random(5);
    Tensor x = rand(rnd, 2, 3, 4, 5), y = DBL.zeros(2, 3, 4, 5), gy = rand(rnd, 2, 3, 4, 5), dx = DBL.zeros(2, 3, 4, 5);
    Noise nz = noiseOf(type, true, 2, 13);
    DBL.reluBackward(throughNoise(nz, gy), x, dx);
    check("relu " + type, x, dx, () -> {
      DBL.reluForward(x, nz, y);
      return dot(y, gy);
    });
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void addRelu(Noise.Type type) {
    Random rnd = new Random(6);
    Tensor a = rand(rnd, 2, 3, 4, 5), b = rand(rnd, 2, 3, 4, 5), y = DBL.zeros(2, 3, 4, 5), gy = rand(rnd, 2, 3, 4, 5);
    Tensor dx = DBL.zeros(2, 3, 4, 5);
    Noise nz = noiseOf(type, false, 2, 15);
    DBL.addReluBackward(throughNoise(nz, gy), a, b, dx);
    java.util.function.DoubleSupplier loss = () -> {
      DBL.addReluForward(a, b, nz, y);
      return dot(y, gy);
    };
    check("addRelu da " + type, a, dx, loss);
    check("addRelu db " + type, b, dx, loss);
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void maxPool(Noise.Type type) {
    Random rnd = new Random(7);
    for (PoolShape g : new PoolShape[] {new PoolShape(2, 7, 6, 3, 3, 2, 1), new PoolShape(2, 4, 4, 3, 2, 2, 0), new PoolShape(1, 5, 5, 2, 3, 1, 1)}) {
      Tensor x = rand(rnd, g.n(), g.h(), g.w(), g.c()), y = DBL.zeros(g.outputShape()), gy = rand(rnd, g.outputShape());
      Tensor dx = DBL.zeros(g.n(), g.h(), g.w(), g.c());
      Noise nz = noiseOf(type, true, g.n(), 17);
      Tensor arg = DBL.zeros(g.outputShape());
      DBL.maxPoolForward(g, x, nz, y, arg);
      DBL.maxPoolBackward(g, throughNoise(nz, gy), arg, dx);
      check("maxPool " + g + " " + type, x, dx, () -> {
        DBL.maxPoolForward(g, x, nz, y);
        return dot(y, gy);
      });
    }
  }

  @ParameterizedTest
  @EnumSource(Noise.Type.class)
  void globalAvgPool(Noise.Type type) {
    Random rnd = new Random(8);
    Tensor x = rand(rnd, 3, 3, 2, 5), y = DBL.zeros(3, 5), gy = rand(rnd, 3, 5), dx = DBL.zeros(3, 3, 2, 5);
    Noise nz = noiseOf(type, false, 3, 19);
    DBL.globalAvgPoolBackward(throughNoise(nz, gy), dx);
    check("globalAvgPool " + type, x, dx, () -> {
      DBL.globalAvgPoolForward(x, nz, y);
      return dot(y, gy);
    });
  }

  @org.junit.jupiter.api.Test
  void softmaxCrossEntropy() {
    Random rnd = new Random(9);
    int n = 4, k = 7;
    Tensor logits = randIn(rnd, -3, 3, n, k), labels = DBL.zeros(n), dl = DBL.zeros(n, k), stats = DBL.zeros(2);
    double[] l = CpuTensors.doubles(labels);
    for (int i = 0; i < n; i++) l[i] = (3 * i + 1) % k;
    DBL.softmaxCrossEntropy(logits, labels, dl, stats);
    Tensor grad = DBL.zeros(n, k);
    DBL.copy(dl, grad);
    Tensor scratch = DBL.zeros(n, k);
    check("softmaxCrossEntropy", logits, grad, () -> {
      DBL.softmaxCrossEntropy(logits, labels, scratch, stats);
      return CpuTensors.doubles(stats)[0];
    });
  }

  /** The checker itself must catch a wrong gradient (here: one element off by 1e-5 relative). */
  @org.junit.jupiter.api.Test
  void checkerCatchesWrongGradient() {
    Random rnd = new Random(10);
    Tensor x = rand(rnd, 2, 5), w = rand(rnd, 3, 5), y = DBL.zeros(2, 3), gy = rand(rnd, 2, 3), dx = DBL.zeros(2, 5);
    DBL.linearBackwardData(gy, w, dx);
    CpuTensors.doubles(dx)[0] *= 1 + 1e-5;
    org.junit.jupiter.api.Assertions.assertThrows(org.opentest4j.AssertionFailedError.class, () -> check("wrong", x, dx, () -> {
      DBL.linearForward(x, w, null, Noise.NONE, y);
      return dot(y, gy);
    }));
  }
}
