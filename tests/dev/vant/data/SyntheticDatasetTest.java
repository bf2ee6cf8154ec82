package dev.vant.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {
  @Test
  void deterministicBalancedAndPrefixStable() {
    Dataset a = SyntheticDataset.generate(true, 200, 28, 28, 1, 5);
    Dataset b = SyntheticDataset.generate(true, 200, 28, 28, 1, 5);
    assertArrayEquals(a.pixels(), b.pixels());
    assertArrayEquals(a.labels(), b.labels());
    int[] counts = a.classCounts();
    for (int c : counts) assertEquals(20, c);
    Dataset small = SyntheticDataset.generate(true, 30, 28, 28, 1, 5);
    assertArrayEquals(small.pixels(), Arrays.copyOf(a.pixels(), small.pixels().length), "a larger set extends a smaller one");
    assertFalse(Arrays.equals(a.pixels(), SyntheticDataset.generate(true, 200, 28, 28, 1, 6).pixels()), "seed matters");
    assertFalse(Arrays.equals(a.pixels(), SyntheticDataset.generate(false, 200, 28, 28, 1, 5).pixels()), "test split differs");
  }

  @Test
  void anyShape() {
    Dataset rgb = SyntheticDataset.generate(false, 20, 32, 32, 3, 1);
    assertEquals(32 * 32 * 3 * 20, rgb.pixels().length);
    assertEquals(10, rgb.numClasses());
    Dataset odd = SyntheticDataset.generate(true, 10, 12, 20, 2, 1);
    assertEquals(12, odd.height());
    assertEquals(20, odd.width());
    assertThrows(IllegalArgumentException.class, () -> SyntheticDataset.generate(true, 10, 4, 4, 1, 1));
  }

  /**
   * Not trivial: the classes have the same average image, so a nearest-class-mean classifier on raw
   * pixels is near chance; and no global statistic (mean brightness) separates them.
   */
  @Test
  void notSolvableByClassMeans() {
    int n = 2000, hw = 16 * 16;
    Dataset tr = SyntheticDataset.generate(true, n, 16, 16, 1, 2);
    Dataset te = SyntheticDataset.generate(false, 500, 16, 16, 1, 2);
    double[][] mean = new double[10][hw];
    for (int i = 0; i < n; i++) for (int p = 0; p < hw; p++) mean[tr.label(i)][p] += (tr.pixels()[i * hw + p] & 0xFF) / (n / 10.0);
    int correct = 0;
    for (int i = 0; i < te.size(); i++) {
      int best = -1;
      double bestD = Double.MAX_VALUE;
      for (int k = 0; k < 10; k++) {
        double d = 0;
        for (int p = 0; p < hw; p++) {
          double v = (te.pixels()[i * hw + p] & 0xFF) - mean[k][p];
          d += v * v;
        }
        if (d < bestD) { bestD = d; best = k; }
      }
      if (best == te.label(i)) correct++;
    }
    double acc = correct / (double) te.size();
    assertTrue(acc < 0.35, "nearest class mean gets " + acc);
  }

  /** The shapes that make the classes: signed distances inside (< 0) and outside (> 0) where expected. */
  @Test
  void shapeOutlines() {
    assertTrue(SyntheticDataset.sdf(0, 0, 0) < 0);
    assertTrue(SyntheticDataset.sdf(4, 0, 0) > 0);
    assertTrue(SyntheticDataset.sdf(4, 0.72, 0) < 0);
    assertTrue(SyntheticDataset.sdf(3, 0.9, 0) < 0 && SyntheticDataset.sdf(3, 0.6, 0.6) > 0, "cross arms vs corners");
    assertTrue(SyntheticDataset.sdf(2, 0, 1.0) < 0 && SyntheticDataset.sdf(2, 0, -1.0) > 0 && SyntheticDataset.sdf(2, 0.9, 0.5) > 0,
        "triangle: apex up, base at y = -0.58");
    assertTrue(SyntheticDataset.sdf(1, 0.75, 0.75) < 0 && SyntheticDataset.sdf(0, 0.75, 0.75) > 0, "square corner vs disk");
  }
}
