package dev.vant.backend.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS SGEMM (org.bytedeco:openblas, the no-LAPACK build) on direct buffers.
 *
 * <p>Why direct buffers: JavaCPP's float[] overloads copy the whole Java array in and out on every call
 * (HotSpot's Get/ReleaseFloatArrayElements), so the fast backend writes its GEMM operands (im2col rows,
 * weights) straight into native memory and reads the results back once, in its epilogue.
 *
 * <p>OpenBLAS runs single-threaded per call by default here: the fast backend parallelizes over its
 * own fixed chunks (determinism independent of the thread count). {@link #setThreads} exists for the
 * benchmark that compares against OpenBLAS's own threading.
 */
public final class Blas {
  private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
  private static volatile String loadError;

  static {
    try {
      Loader.load(openblas_nolapack.class);
      openblas_nolapack.blas_set_num_threads(1);
    } catch (Throwable e) {
      loadError = e.toString();
    }
  }

  private Blas() {}

  /** Throws with the reason when OpenBLAS could not be loaded on this machine. */
  static void requireLoaded() {
    if (loadError != null) {
      throw new IllegalStateException("cpu-fast: OpenBLAS (org.bytedeco:openblas linux-x86_64) could not be loaded: " + loadError);
    }
  }

  /** Threads OpenBLAS itself uses per call (1 unless a benchmark changes it). */
  public static void setThreads(int n) {
    requireLoaded();
    openblas_nolapack.blas_set_num_threads(n);
  }

  public static int threads() {
    requireLoaded();
    return openblas_nolapack.blas_get_num_threads();
  }

  /** A direct, native-order buffer of {@code n} floats. */
  public static FloatBuffer direct(long n) {
    if (n > Integer.MAX_VALUE / 4) throw new IllegalArgumentException("cpu-fast: native buffer of " + n + " floats is too large");
    return ByteBuffer.allocateDirect((int) Math.max(1, n) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /**
   * Row-major {@code C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C}, operands starting at the
   * given float offsets of their buffers.
   */
  public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      FloatBuffer a, int aOff, int lda, FloatBuffer b, int bOff, int ldb, float beta, FloatBuffer c, int cOff, int ldc) {
    if (m == 0 || n == 0) return;
    openblas_nolapack.cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
        a.slice(aOff, a.capacity() - aOff), lda, b.slice(bOff, b.capacity() - bOff), ldb, beta,
        c.slice(cOff, c.capacity() - cOff), ldc);
  }
}
