package dev.vant.noise;

import static org.junit.jupiter.api.Assertions.*;

import dev.vant.random.NoiseStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class InferenceTraceTest {
  @Test
  void constantAndBareNumber() {
    assertArrayEquals(new float[] {0.7f, 0.7f}, InferenceTrace.parse("0.7", 1).levels(5, 2));
    assertArrayEquals(new float[] {0.5f}, InferenceTrace.parse("const:0.5", 1).levels(0, 1));
    assertArrayEquals(new float[] {1.5f}, InferenceTrace.constant(1.5).levels(3, 1));
    assertFalse(InferenceTrace.parse("0.7", 1).perSample());
  }

  @Test
  void normalPerBatchIsOneClampedDrawPerBatch() {
    InferenceTrace t = InferenceTrace.parse("normal:1.0,0.5", 42);
    for (int b = 0; b < 50; b++) {
      float[] s = t.levels(b, 8);
      float expect = (float) Math.max(0, 1.0 + 0.5 * NoiseStream.element(42, SigmaDraw.SITE_TRACE, b, 0));
      for (float v : s) assertEquals(expect, v, 1e-6f);
    }
    assertArrayEquals(t.levels(3, 4), InferenceTrace.parse("normal:1.0,0.5,batch", 42).levels(3, 4));
    assertFalse(Arrays.equals(t.levels(3, 4), InferenceTrace.parse("normal:1.0,0.5", 43).levels(3, 4)), "seed matters");
    InferenceTrace wide = InferenceTrace.parse("normal:0,1", 42);
    for (int b = 0; b < 100; b++) assertTrue(wide.levels(b, 1)[0] >= 0, "clamped at 0");
  }

  @Test
  void perSampleDrawsDifferWithinABatch() {
    InferenceTrace t = InferenceTrace.parse("uniform:0.5,1.5,sample", 7);
    assertTrue(t.perSample());
    float[] s = t.levels(2, 1000);
    double mean = 0;
    for (float v : s) {
      assertTrue(v >= 0.5f && v < 1.5f, "in range: " + v);
      mean += v / s.length;
    }
    assertEquals(1.0, mean, 0.05);
    assertNotEquals(s[0], s[1]);
    assertArrayEquals(s, InferenceTrace.parse("uniform:0.5,1.5,sample", 7).levels(2, 1000), "reproducible");
  }

  @Test
  void driftFollowsTheLogLaw() {
    InferenceTrace t = InferenceTrace.parse("drift:0.5,0.2", 0);
    assertEquals(0.5f, t.levels(0, 1)[0], 1e-7f);
    assertEquals((float) (0.5 * (1 + 0.2 * Math.log(2))), t.levels(1, 1)[0], 1e-7f);
    assertEquals((float) (0.5 * (1 + 0.2 * Math.log(11))), t.levels(10, 1)[0], 1e-7f);
  }

  @Test
  void walkIsReproducibleInAnyQueryOrderAndNonNegative() {
    InferenceTrace a = InferenceTrace.parse("walk:0.3,0.2", 5);
    InferenceTrace b = InferenceTrace.parse("walk:0.3,0.2", 5);
    float late = b.levels(40, 1)[0];
    float[] path = new float[41];
    for (int t = 0; t <= 40; t++) path[t] = a.levels(t, 1)[0];
    assertEquals(path[40], late);
    assertEquals(0.3f, path[0]);
    for (int t = 1; t <= 40; t++) {
      float step = NoiseStream.element(5, SigmaDraw.SITE_TRACE, t, 0);
      assertEquals(Math.abs(path[t - 1] + 0.2 * step), path[t], 1e-6);
      assertTrue(path[t] >= 0);
    }
  }

  @Test
  void badSpecsSayWhatWasExpected() {
    String[][] cases = {
      {"", "non-empty"}, {"gauss:1,2", "one of const:S"}, {"normal:1", "2 number(s)"}, {"normal:1,x", "a number, got 'x'"},
      {"normal:1,-1", "STD >= 0"}, {"uniform:2,1", "LO <= HI"}, {"normal:1,1,often", "'batch' or 'sample'"},
      {"drift:1,2,sample", "2 number(s)"}, {"-0.5", "level >= 0"}, {"walk:1,-1", "STEP >= 0"}
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceTrace.parse(c[0], 1), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
      assertTrue(e.getMessage().contains("noise trace"), e.getMessage());
    }
  }
}
