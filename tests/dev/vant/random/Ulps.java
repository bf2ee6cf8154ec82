package dev.vant.random;

/** Distance in units in the last place between two floats (0 for equal values, huge across signs or NaN). */
public final class Ulps {
  private Ulps() {}

  public static int distance(float a, float b) {
    if (Float.isNaN(a) || Float.isNaN(b)) return Integer.MAX_VALUE;
    int ia = ordered(a), ib = ordered(b);
    long d = Math.abs((long) ia - ib);
    return (int) Math.min(d, Integer.MAX_VALUE);
  }

  // Maps float bits to integers in the same order as the floats (-0 and +0 both to 0).
  private static int ordered(float f) {
    int i = Float.floatToIntBits(f);
    return i < 0 ? Integer.MIN_VALUE - i : i;
  }
}
