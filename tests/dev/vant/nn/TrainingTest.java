package dev.vant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Backend;
import dev.vant.backend.Noise;
import dev.vant.backend.cpu.FastBackend;
import dev.vant.backend.cpu.Precision;
import dev.vant.backend.cpu.ReferenceBackend;
import dev.vant.optim.Adam;
import dev.vant.optim.LrSchedule;
import dev.vant.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tiny noisy ResNet learns; training is bit-for-bit deterministic. */
class TrainingTest {
  static final Synthetic DATA = new Synthetic(64, 8, 8, 3, 4, 11);

  static Model tinyResNet(Backend be, long seed) {
    return ResNet.builder().name("tiny").input(8, 8, 3).classes(4).blocks(1, 1).widths(8, 16).build(be, seed);
  }

  /** Trains {@code steps} steps of batch 16 with NT noise (sigma 0.1) and Adam; returns the losses. */
  static List<Float> train(Model m, int steps) {
    Backend be = m.backend();
    List<Float> losses = new ArrayList<>();
    NoiseContext base = NoiseContext.builder().type(Noise.Type.ADDITIVE).sigma(0.1f).seed(77).build();
    LrSchedule lr = LrSchedule.cosine(3e-3, steps, 0);
    try (Adam adam = Adam.builder().lr(3e-3f).weightDecay(1e-4f).build(m); SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(be)) {
      m.train();
      for (int step = 0; step < steps; step++) {
        Tensor[] b = DATA.batch(be, step, 16);
        try (Tensor x = b[0]; Tensor y = b[1]) {
          Tensor logits = m.forward(x, base.withStep(step));
          losses.add(loss.forward(logits, y, step).loss());
          m.backward(loss.gradient());
          adam.setLr((float) lr.lr(step));
          adam.step();
        }
      }
    }
    return losses;
  }

  static float[] weights(Model m) {
    List<float[]> parts = new ArrayList<>();
    int n = 0;
    List<Parameter> all = new ArrayList<>(m.parameters());
    all.addAll(m.buffers());
    for (Parameter p : all) {
      float[] a = m.backend().toHost(p.value());
      parts.add(a);
      n += a.length;
    }
    float[] out = new float[n];
    int o = 0;
    for (float[] a : parts) {
      System.arraycopy(a, 0, out, o, a.length);
      o += a.length;
    }
    return out;
  }

  @Test
  void tinyResNetLossFalls() {
    try (FastBackend be = new FastBackend(2); Model m = tinyResNet(be, 5)) {
      List<Float> losses = train(m, 40);
      double first = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
      double last = (losses.get(37) + losses.get(38) + losses.get(39)) / 3;
      assertTrue(last < 0.5 * first, "loss should halve: first " + first + " last " + last + " all " + losses);
      // Evaluation under noise beats chance by far.
      m.eval();
      Tensor[] b = DATA.batch(be, 0, 64);
      try (Tensor x = b[0]; Tensor y = b[1]; SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy(be)) {
        NoiseContext eval = NoiseContext.builder().sigma(0.1f).seed(78).step(1_000_000).build();
        int correct = ce.forward(m.forward(x, eval), y, -1).correct();
        assertTrue(correct >= 48, "accuracy " + correct + "/64");
      }
    }
  }

  @Test
  void deterministicOnTheReferenceBackend() {
    ReferenceBackend be = new ReferenceBackend(Precision.FLOAT32);
    float[] a, b;
    try (Model m = tinyResNet(be, 9)) {
      train(m, 20);
      a = weights(m);
    }
    try (Model m = tinyResNet(be, 9)) {
      train(m, 20);
      b = weights(m);
    }
    assertArrayEquals(a, b);
  }

  @Test
  void deterministicOnTheFastBackendWithSeveralThreads() {
    float[][] runs = new float[3][];
    int[] threads = {3, 3, 1};
    for (int r = 0; r < 3; r++) {
      try (FastBackend be = new FastBackend(threads[r]); Model m = tinyResNet(be, 9)) {
        train(m, 20);
        runs[r] = weights(m);
      }
    }
    assertArrayEquals(runs[0], runs[1], "same seed, same data, 3 threads, twice");
    assertArrayEquals(runs[0], runs[2], "3 threads == 1 thread (chunking depends only on shapes)");
    // And a different noise seed gives different weights (the test can fail).
    try (FastBackend be = new FastBackend(3); Model m = tinyResNet(be, 10)) {
      train(m, 20);
      float[] other = weights(m);
      assertEquals(runs[0].length, other.length);
      assertTrue(!java.util.Arrays.equals(runs[0], other));
    }
  }
}
