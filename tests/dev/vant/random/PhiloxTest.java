package dev.vant.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhiloxTest {
  private static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
    int[] out = new int[4];
    Philox.block(c0, c1, c2, c3, k0, k1, out, 0);
    return out;
  }

  @Test
  void random123KnownAnswers() {
    assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, block(0, 0, 0, 0, 0, 0));
    assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, block(-1, -1, -1, -1, -1, -1));
    assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
        block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
  }

  /**
   * The same three vectors through the stream layout: counter (g lo, g hi, site, step), key (seed lo, seed hi).
   * The second and third need group indices of 2^64-1 and 0x85a308d3243f6a88, i.e. element indices past
   * 2^64 (e = 4g): they are reachable through {@link Philox#words} but not through an element index, so
   * {@code vant noise} can print only the first one.
   */
  @Test
  void knownAnswersThroughTheStreamLayout() {
    int[] w = new int[4];
    Philox.words(0L, 0, 0, 0L, w, 0);
    assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, w);
    Philox.words(-1L, -1, -1, -1L, w, 0);
    assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, w);
    Philox.words(0x299f31d0a4093822L, 0x13198a2e, 0x03707344, 0x85a308d3243f6a88L, w, 0);
    assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, w);
  }

  @Test
  void elementWordIsLaneOfItsGroup() {
    int[] w = new int[4];
    long seed = 0x1234_5678_9abc_def0L;
    long e0 = (1L << 34) + 8; // group index past 2^32
    Philox.words(seed, 5, 9, e0 >>> 2, w, 0);
    for (int lane = 0; lane < 4; lane++) assertEquals(w[lane], Philox.word(seed, 5, 9, e0 + lane));
  }

  @Test
  void fillMatchesElementAtAnyOffset() {
    float[] a = new float[37];
    for (long first : new long[] {0, 1, 2, 3, 5, (1L << 35) + 3}) {
      NoiseStream.fill(42, 3, 7, first, a, 0, a.length);
      for (int i = 0; i < a.length; i++) {
        assertEquals(Float.floatToIntBits(NoiseStream.element(42, 3, 7, first + i)), Float.floatToIntBits(a[i]),
            "element " + (first + i));
      }
    }
  }

  @Test
  void boxMullerEdgesAreFiniteAndExactAtQuarterTurns() {
    float[] z = new float[4];
    // x_even = 0 gives the smallest u (2^-24): the largest radius sqrt(-2 ln 2^-24) = 5.77.
    NoiseStream.gaussians(new int[] {0, 0, 0xFFFFFFFF, 0xFFFFFFFF}, z, 0);
    assertEquals((float) Math.sqrt(-2 * Math.log(0x1p-24)), z[0], 1e-6f);
    assertEquals(0f, z[1]);                       // angle 0: sin = 0 exactly
    assertTrue(Math.abs(z[2]) < 1e-3 && Math.abs(z[3]) < 1e-3); // u = 1 - 2^-24: radius ~ 2.4e-4
    // angle = pi/2 exactly (x_odd >>> 8 = 2^22): cos is exactly 0, sin exactly 1 times the radius.
    NoiseStream.gaussians(new int[] {0x80000000, 1 << 30, 0, 0}, z, 0);
    assertEquals(0f, Math.abs(z[0])); // -0.0 in quadrant 1 (cos = -sin 0), as on the GPU
    assertTrue(z[1] > 0);
  }

  @Test
  void momentsOfOneMillionDraws() {
    int n = 1_000_000;
    float[] z = new float[n];
    NoiseStream.fill(7, 1, 2, 0, z, 0, n);
    double sum = 0, sq = 0;
    for (float v : z) {
      sum += v;
      sq += (double) v * v;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    // Standard errors: mean 1/sqrt(n) = 1e-3; variance sqrt(2/n) = 1.41e-3. Four of them.
    assertEquals(0, mean, 4e-3);
    assertEquals(1, var, 4 * 1.415e-3);
  }
}
