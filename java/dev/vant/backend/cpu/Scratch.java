package dev.vant.backend.cpu;

import java.nio.FloatBuffer;

/**
 * Per-thread scratch of the fast backend (heap arrays for noise and gathers, direct buffers for GEMM
 * operands), grown on demand and kept for the life of the thread, so steady-state steps allocate nothing.
 */
final class Scratch {
  private static final ThreadLocal<Scratch> TL = ThreadLocal.withInitial(Scratch::new);
  private float[] z = new float[0], z2 = new float[0], f = new float[0];
  private double[] d = new double[0];
  private FloatBuffer a = Blas.direct(1), c = Blas.direct(1);

  static Scratch get() {
    return TL.get();
  }

  float[] z(int n) {
    if (z.length < n) z = new float[n];
    return z;
  }

  float[] z2(int n) {
    if (z2.length < n) z2 = new float[n];
    return z2;
  }

  float[] f(int n) {
    if (f.length < n) f = new float[n];
    return f;
  }

  double[] d(int n) {
    if (d.length < n) d = new double[n];
    return d;
  }

  FloatBuffer a(long n) {
    if (a.capacity() < n) a = Blas.direct(n);
    return a;
  }

  FloatBuffer c(long n) {
    if (c.capacity() < n) c = Blas.direct(n);
    return c;
  }
}
