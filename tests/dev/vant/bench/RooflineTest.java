package dev.vant.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RooflineTest {
  private static final double H200_FP32 = 66.9e12;
  private static final double H200_BW = 4.8e12;

  @Test
  void largeGemmIsBoundByArithmetic() {
    Roofline g = Roofline.matmul(4096, 4096, 4096);
    assertEquals(2.0 * 4096 * 4096 * 4096, g.flops());
    // x, w, y: 3 matrices of 4096^2 floats, plus the bias.
    assertEquals(4.0 * (3.0 * 4096 * 4096 + 4096), g.bytes());
    assertEquals(g.flops() / H200_FP32, g.floorSeconds(H200_FP32, H200_BW), 1e-15);
    assertEquals("FLOPs", g.bound(H200_FP32, H200_BW));
    // 137.4 GFLOP at 66.9 TFLOP/s: 2.05 ms.
    assertEquals(2.054e-3, g.floorSeconds(H200_FP32, H200_BW), 1e-6);
  }

  @Test
  void resnetConvFloorCountsInputWeightBiasOutputAndSigma() {
    // layer4: N 128, 2x2x512 -> 2x2x512, 3x3.
    Roofline c = Roofline.conv2dForward(128, 2, 2, 512, 512, 3, 3, 2, 2, true);
    assertEquals(2.0 * 128 * 2 * 2 * 512 * 9 * 512, c.flops());
    double floats = 128.0 * 2 * 2 * 512 + 512.0 * 9 * 512 + 512 + 128.0 * 2 * 2 * 512 + 128;
    assertEquals(4 * floats, c.bytes());
    assertEquals(Math.max(c.flops() / H200_FP32, c.bytes() / H200_BW), c.floorSeconds(H200_FP32, H200_BW));
  }

  @Test
  void noisePassIsPureMemoryTrafficAndAddsUp() {
    Roofline n = Roofline.noisePass(1000, 10);
    assertEquals(0, n.flops());
    assertEquals(4.0 * (2000 + 10), n.bytes());
    assertEquals("bytes", n.bound(H200_FP32, H200_BW));
    Roofline sum = Roofline.matmul(10, 10, 10).plus(n);
    assertEquals(2000 + 0, sum.flops(), 0);
    assertEquals(Roofline.matmul(10, 10, 10).bytes() + n.bytes(), sum.bytes());
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new Roofline(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Roofline(Double.NaN, 0));
    Roofline r = new Roofline(1, 1);
    assertThrows(IllegalArgumentException.class, () -> r.floorSeconds(0, 1));
    assertThrows(IllegalArgumentException.class, () -> r.floorSeconds(1, Double.NaN));
  }
}
