package dev.vant.random;

/**
 * Philox4x32-10 (Salmon et al. 2011, Random123), the counter-based generator behind all of vant's noise.
 *
 * <p>This is the Java twin of {@code kernels/philox.cuh}: for the same counter and key both produce the
 * same four 32-bit words, bit for bit. The stream layout that maps (seed, site, step, element) onto
 * counters and keys lives in {@link NoiseStream}.
 */
public final class Philox {
  static final int M0 = 0xD2511F53;
  static final int M1 = 0xCD9E8D57;
  static final int W0 = 0x9E3779B9;
  static final int W1 = 0xBB67AE85;
  private static final long MASK = 0xFFFFFFFFL;

  private Philox() {}

  /**
   * Ten Philox rounds of counter {@code (c0, c1, c2, c3)} under key {@code (k0, k1)}.
   *
   * @param out receives the four output words at {@code out[off] .. out[off + 3]}
   */
  public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out, int off) {
    for (int round = 0; round < 10; round++) {
      if (round > 0) {
        k0 += W0;
        k1 += W1;
      }
      long p0 = (M0 & MASK) * (c0 & MASK);
      long p1 = (M1 & MASK) * (c2 & MASK);
      int hi0 = (int) (p0 >>> 32), lo0 = (int) p0;
      int hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
      c0 = hi1 ^ c1 ^ k0;
      c1 = lo1;
      c2 = hi0 ^ c3 ^ k1;
      c3 = lo0;
    }
    out[off] = c0;
    out[off + 1] = c1;
    out[off + 2] = c2;
    out[off + 3] = c3;
  }

  /** The four words of group {@code group} of the noise stream (seed, site, step): DESIGN.md §2. */
  public static void words(long seed, int site, int step, long group, int[] out, int off) {
    block((int) group, (int) (group >>> 32), site, step, (int) seed, (int) (seed >>> 32), out, off);
  }

  /** The 32-bit word of element {@code e}: word {@code e & 3} of group {@code e >> 2}. */
  public static int word(long seed, int site, int step, long e) {
    int[] w = new int[4];
    words(seed, site, step, e >>> 2, w, 0);
    return w[(int) (e & 3)];
  }
}
