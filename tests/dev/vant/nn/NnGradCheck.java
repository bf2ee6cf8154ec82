package dev.vant.nn;


import dev.vant.backend.Noise;
import dev.vant.backend.cpu.CentralDifference;
import dev.vant.backend.cpu.CpuTensors;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.tensor.Tensor;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Central-difference gradient checks ({@link CentralDifference}) of layers and whole models on the {@link ReferenceBackend} in
 * {@link Precision#DOUBLE} mode, with noise on: the +/- passes use the same (seed, site, step), so the
 * noise is the same constant in both and the layer's backward (noise as a constant) must match.
 *
 * <p>Criterion per checked element: {@code |analytic - numeric| <= REL * max(|analytic|, |numeric|) + ABS}
 * with REL = 1e-6 and the absolute floor ABS = 1e-9. Step H = 1e-5: the central difference's truncation
 * error (H^2/6 |L'''| ~ 1e-10) and rounding error (2^-52 |L| / H ~ 1e-10 for |L| < 10) sit well below both.
 * ReLU kinks and max-pool switches are avoided by the random inputs (a switch would show as a failure).
 */
final class NnGradCheck {
  static final int MAX_POINTS = 24;
  static final ReferenceBackend DBL = new ReferenceBackend(Precision.DOUBLE);

  private NnGradCheck() {}

  /** A DOUBLE tensor of uniform values in [-1, 1) at full double precision. */
  static Tensor rand(Random rnd, int... shape) {
    Tensor t = DBL.zeros(shape);
    double[] a = CpuTensors.doubles(t);
    for (int i = 0; i < t.size(); i++) a[i] = 2 * rnd.nextDouble() - 1;
    return t;
  }

  static double dot(Tensor a, Tensor b) {
    double[] x = CpuTensors.doubles(a), y = CpuTensors.doubles(b);
    double s = 0;
    for (int i = 0; i < a.size(); i++) s += x[i] * y[i];
    return s;
  }

  /** Noise of every kind the tests use: additive scalar (default) or given type, per-sample levels when asked. */
  static NoiseContext noise(Noise.Type type, int perSampleN) {
    NoiseContext.Builder b = NoiseContext.builder().type(type).seed(987654321L).step(7).sigma(0.3f);
    if (perSampleN > 0) {
      Tensor s = DBL.zeros(perSampleN);
      double[] a = CpuTensors.doubles(s);
      for (int i = 0; i < perSampleN; i++) a[i] = 0.1 + 0.15 * i;
      b.sigmaPerSample(s);
    }
    return b.build();
  }

  /** Checks the gradient of {@code L = loss()} with respect to {@code t} against {@code analytic}; returns the worst relative error. */
  static double check(String what, Tensor t, double[] analytic, DoubleSupplier loss) {
    return CentralDifference.check(what, CpuTensors.doubles(t), analytic, loss, MAX_POINTS, true);
  }

  /**
   * Layer check: L = sum(G * layer(x)) with fixed random G. Checks dx (when {@code inputGrad}) and every
   * parameter gradient. The layer is bound in a model of input {@code inShape} (without N).
   */
  static void layer(String what, Layer layer, int n, int[] inShape, NoiseContext ctx, boolean inputGrad, long seed) {
    Random rnd = new Random(seed);
    Model.Builder mb = Model.builder(layer);
    if (inShape.length == 3) mb.input(inShape[0], inShape[1], inShape[2]);
    else mb.inputFeatures(inShape[0]);
    try (Model m = mb.build(DBL, seed)) {
      int[] xs = new int[inShape.length + 1];
      xs[0] = n;
      System.arraycopy(inShape, 0, xs, 1, inShape.length);
      // Perturb parameters off their init (BN gamma 1 / beta 0 are too special) in full double.
      for (Parameter p : m.parameters()) {
        double[] a = CpuTensors.doubles(p.value());
        for (int i = 0; i < p.size(); i++) a[i] += 0.2 * (2 * rnd.nextDouble() - 1);
      }
      Tensor x = rand(rnd, xs);
      Tensor y = m.forward(x, ctx);
      Tensor g = rand(rnd, y.shape());
      DoubleSupplier loss = () -> dot(m.forward(x, ctx), g);
      loss.getAsDouble();
      Tensor dx = layer.backward(g, inputGrad);
      double[] dxa = inputGrad ? CpuTensors.doubles(dx).clone() : null;
      double[][] grads = new double[m.parameters().size()][];
      for (int i = 0; i < grads.length; i++) grads[i] = CpuTensors.doubles(m.parameters().get(i).grad()).clone();
      if (inputGrad) check(what + " dx", x, dxa, loss);
      for (int i = 0; i < grads.length; i++) {
        Parameter p = m.parameters().get(i);
        check(what + " d" + p.name(), p.value(), grads[i], loss);
      }
    }
  }

  /** Whole-model check: L = softmax cross-entropy (mean) of model(x) against fixed labels; every parameter. */
  static void model(String what, Model m, int n, long seed, NoiseContext ctx) {
    Random rnd = new Random(seed);
    int[] in = m.inputShape();
    int[] xs = new int[in.length + 1];
    xs[0] = n;
    System.arraycopy(in, 0, xs, 1, in.length);
    Tensor x = rand(rnd, xs);
    int classes = m.outputShape(n)[1];
    Tensor labels = DBL.zeros(n);
    for (int i = 0; i < n; i++) CpuTensors.doubles(labels)[i] = rnd.nextInt(classes);
    Tensor stats = DBL.zeros(2);
    Tensor[] dl = new Tensor[1];
    DoubleSupplier loss = () -> {
      Tensor logits = m.forward(x, ctx);
      if (dl[0] == null) dl[0] = DBL.zeros(logits.shape());
      DBL.softmaxCrossEntropy(logits, labels, dl[0], stats);
      return CpuTensors.doubles(stats)[0];
    };
    loss.getAsDouble();
    m.backward(dl[0]);
    double[][] grads = new double[m.parameters().size()][];
    for (int i = 0; i < grads.length; i++) grads[i] = CpuTensors.doubles(m.parameters().get(i).grad()).clone();
    for (int i = 0; i < grads.length; i++) {
      Parameter p = m.parameters().get(i);
      check(what + " d" + p.name(), p.value(), grads[i], loss);
    }
  }
}
