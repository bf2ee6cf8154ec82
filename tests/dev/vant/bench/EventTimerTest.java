package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EventTimerTest {
  @Test
  void percentileInterpolates() {
    double[] v = {1, 2, 3, 4};
    assertEquals(2.5, EventTimer.percentile(v, 0.5));
    assertEquals(1, EventTimer.percentile(v, 0));
    assertEquals(4, EventTimer.percentile(v, 1));
    assertEquals(3, EventTimer.percentile(new double[] {1, 3, 100}, 0.5));
    assertThrows(IllegalArgumentException.class, () -> EventTimer.percentile(new double[0], 0.5));
    assertThrows(IllegalArgumentException.class, () -> EventTimer.percentile(v, 1.5));
  }

  @Test
  void ratiosAreSortedCopiesWithMedianAndQuartiles() {
    double[] r = {1.10, 1.00, 1.04, 1.02, 1.06};
    EventTimer.Ratios q = new EventTimer.Ratios(r);
    assertEquals(1.04, q.median(), 1e-12);
    assertEquals(1.02, q.low(), 1e-12);
    assertEquals(1.06, q.high(), 1e-12);
    assertEquals(1.00, q.sorted()[0]);
    assertEquals(1.10, r[0], "the caller's array is left as it was");
    assertThrows(IllegalArgumentException.class, () -> new EventTimer.Ratios(new double[0]));
  }

  @Test
  void rotatingSetsExceedThreeTimesL2WithinLimits() {
    long l2 = 60L << 20;
    // ResNet-18 stem: x 128x32x32x3 + w 64x27 floats = 1.58 MB a set: 120 wanted, capped at 64.
    assertEquals(64, EventTimer.rotatingSets(4L * (128 * 32 * 32 * 3 + 64 * 27), l2, 64, 2L << 30));
    // layer4: 10.5 MB a set: 18 sets = 189 MB > 180 MB.
    long layer4 = 4L * (128 * 2 * 2 * 512 + 512 * 9 * 512);
    int n = EventTimer.rotatingSets(layer4, l2, 64, 2L << 30);
    assertEquals(true, n * layer4 >= 3 * l2 && (n - 1) * layer4 < 3 * l2);
    // 4096^2 x 2 = 128 MiB a set: at least 2 even though 2 are more than 3 x L2.
    assertEquals(2, EventTimer.rotatingSets(128L << 20, l2, 64, 2L << 30));
    // The budget wins over the wish; never fewer than 1.
    assertEquals(3, EventTimer.rotatingSets(1L << 20, l2, 64, 3L << 20));
    assertEquals(1, EventTimer.rotatingSets(4L << 30, l2, 64, 2L << 30));
    assertThrows(IllegalArgumentException.class, () -> EventTimer.rotatingSets(0, l2, 64, 1));
  }
}
