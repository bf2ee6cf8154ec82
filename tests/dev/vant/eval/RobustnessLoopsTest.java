package dev.vant.eval;

import static org.junit.jupiter.api.Assertions.*;

import dev.vant.data.Batch;
import dev.vant.data.DataLoader;
import dev.vant.data.Dataset;
import dev.vant.data.Normalization;
import dev.vant.data.SyntheticDataset;
import dev.vant.noise.InferenceTrace;
import dev.vant.random.NoiseStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RobustnessLoopsTest {
  static final Dataset DS = SyntheticDataset.generate(false, 50, 8, 8, 1, 1);
  static final DataLoader TEST = new DataLoader(DS, Normalization.compute(DS), 16, false, dev.vant.data.Augment.NONE, 0, false, 1);

  /** A fake model: sample i is right when |sigma * eps(seed, 0, step, i)| < 1 — accuracy falls with sigma. */
  static int fake(Batch b, float[] s, long seed, int step) {
    int c = 0;
    for (int i = 0; i < b.n(); i++) if (Math.abs(s[i] * NoiseStream.element(seed, 0, step, i)) < 1) c++;
    return c;
  }

  @Test
  void curveAccumulatesOverBatchesAndRepeats() {
    List<Integer> steps = new ArrayList<>();
    Set<Integer> images = new HashSet<>();
    RobustnessCurve c = Robustness.curve("fake", TEST, new double[] {0, 0.5, 2}, 3, 9L, (b, s, perSample, seed, step) -> {
      assertFalse(perSample);
      assertEquals(b.n(), s.length);
      steps.add(step);
      for (int i : b.indices()) images.add(i);
      return fake(b, s, seed, step);
    });
    assertEquals(50, images.size());
    // sigma 0 once (4 batches), then 2 sigmas x 3 repeats x 4 batches
    assertEquals(4 + 24, steps.size());
    assertEquals(1.0, c.mean()[0]);
    assertEquals(0.0, c.std()[0]);
    assertTrue(c.mean()[1] > c.mean()[2]);
    assertTrue(c.std()[2] > 0, "repeats see different noise");
    // the three repeats at sigma 2 by hand
    double[] byHand = new double[3];
    for (int k = 0; k < 3; k++) {
      int correct = 0, b = 0;
      try (DataLoader.Epoch it = TEST.epoch(0)) {
        while (it.hasNext()) {
          Batch batch = it.next();
          float[] s = new float[batch.n()];
          java.util.Arrays.fill(s, 2f);
          correct += fake(batch, s, 9L, EvalSteps.step(k, b++));
        }
      }
      byHand[k] = correct / 50.0;
    }
    RobustnessCurve expect = RobustnessCurve.of("x", new double[] {2}, new double[][] {byHand});
    assertEquals(expect.mean()[0], c.mean()[2], 1e-15);
    assertEquals(expect.std()[0], c.std()[2], 1e-15);
    assertTrue(steps.contains(EvalSteps.step(2, 3)));
  }

  @Test
  void traceWalksThroughDeploymentTimeAndWraps() {
    InferenceTrace drift = InferenceTrace.parse("drift:0.5,1", 1);
    List<Integer> seen = new ArrayList<>();
    TraceCurve tc = Robustness.trace(drift, TEST, 6, 2, 3L, (b, s, perSample, seed, step) -> {
      seen.add(b.index());
      return fake(b, s, seed, step);
    });
    assertEquals(List.of(0, 1, 2, 3, 0, 1, 0, 1, 2, 3, 0, 1), seen, "4 batches per pass, 6 time steps, 2 repeats");
    assertEquals(6, tc.mean().length);
    assertEquals(0.5, tc.sigma()[0], 1e-7);
    assertEquals(0.5 * (1 + Math.log(6)), tc.sigma()[5], 1e-6);
    InferenceTrace perSample = InferenceTrace.parse("uniform:0,1,sample", 1);
    Robustness.trace(perSample, TEST, 2, 1, 3L, (b, s, ps, seed, step) -> {
      assertTrue(ps);
      assertNotEquals(s[0], s[1]);
      return 0;
    });
  }

  @Test
  void evalStepsAreDisjointFromTrainingSteps() {
    assertTrue(EvalSteps.step(0, 0) < 0, "top bit set: never a training step");
    assertEquals(0x80000000 | (5 << 20) | 7, EvalSteps.step(5, 7));
    assertNotEquals(EvalSteps.step(1, 0), EvalSteps.step(0, 1));
    assertThrows(IllegalArgumentException.class, () -> EvalSteps.step(2048, 0));
    assertThrows(IllegalArgumentException.class, () -> EvalSteps.step(0, 1 << 20));
  }
}
