package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.bad;
import static dev.vant.backend.cuda.CudaBackend.requireShape;
import static dev.vant.backend.cuda.CudaBackend.requireSize;

import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.backend.Shapes;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/pool.cu}: max-pool (x [N,H,W,C] -> y [N,P,Q,C], and the window position of each
 * maximum for the backward) and global average pool (x [N,H,W,C] -> y [N,C] or [N,1,1,C]), forward with noise;
 * backward as gathers (no atomics).
 *
 * <p>The backward kernel trusts its positions (a wrong one would route dy to a wrong element of dx, or outside
 * it). Positions this backend's forward wrote for the same geometry are right by construction, so only the others
 * (filled from the host, recorded for another geometry, or a tensor that is not an argmax at all) are checked, on
 * the host, with the CPU backends' check and message ({@link PoolShape#inputIndex}), at every backward. Writes from
 * the host and fills drop the record; known limit: positions overwritten on the device by some other op after the
 * forward (the argmax tensor used as another op's output) would still be trusted.
 */
final class Pool {
  private Pool() {}

  static void maxForward(CudaBackend b, PoolShape g, Tensor x, Noise noise, Tensor y, Tensor argmax) {
    String op = "maxPoolForward " + g;
    requireShape(op, "x", x, g.n(), g.h(), g.w(), g.c());
    requireShape(op, "y", y, g.outputShape());
    if (argmax != null) {
      requireShape(op, "argmax", argmax, g.outputShape());
      dev.vant.backend.Shapes.distinct(op, "argmax", argmax, "y", y);  // the kernel's pointers are __restrict__
      dev.vant.backend.Shapes.distinct(op, "argmax", argmax, "x", x);
    }
    KernelArgs a = new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(y, op)).ptr(argmax == null ? null : b.buf(argmax, op));
    b.launch(op, "maxpool_forward", b.gridFor((y.size() + 3) / 4), 256, geometry(a, g).noise(b.noise(noise, y, op)));
    if (argmax != null) b.argmaxGeometry.put(argmax.storage(), g);
  }

  static void maxBackward(CudaBackend b, PoolShape g, Tensor dy, Tensor argmax, Tensor dx) {
    String op = "maxPoolBackward " + g;
    requireShape(op, "dy", dy, g.outputShape());
    requireShape(op, "argmax", argmax, g.outputShape());
    requireShape(op, "dx", dx, g.n(), g.h(), g.w(), g.c());
    if (!g.equals(b.argmaxGeometry.get(argmax.storage()))) checkPositions(b, op, g, argmax);
    b.launch(op, "maxpool_backward", b.gridFor(dx.size()), 256,
        geometry(new KernelArgs().ptr(b.buf(dy, op)).ptr(b.buf(argmax, op)).ptr(b.buf(dx, op)), g));
  }

  private static void checkPositions(CudaBackend b, String op, PoolShape g, Tensor argmax) {
    if (b.recording()) {
      throw new IllegalStateException(op + ": argmax " + argmax + " was not written by maxPoolForward with this geometry,"
          + " and its positions cannot be checked while a step is recorded as a CUDA graph (check them once before)");
    }
    float[] pos = b.toHost(argmax);
    int i = 0;
    for (int n = 0; n < g.n(); n++)
      for (int p = 0; p < g.p(); p++)
        for (int q = 0; q < g.q(); q++)
          for (int c = 0; c < g.c(); c++) g.inputIndex(op, n, p, q, c, pos[i++]);  // throws, naming the window
  }

  static void avgForward(CudaBackend b, Tensor x, Noise noise, Tensor y) {
    String op = "globalAvgPoolForward x " + x + " -> y " + y;
    int[] s = Shapes.nhwc(op, "x", x), ym = Shapes.matrix(op, "y", y);
    int n = s[0], hw = s[1] * s[2], c = s[3];
    if (ym[0] != n || ym[1] != c) throw bad(op, "y must be [" + n + ", " + c + "]");
    KernelArgs a = new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(y, op)).i(n).i(hw).i(c).noise(b.noise(noise, y, op));
    b.launch(op, "avgpool_forward", b.gridFor(((long) n * c + 3) / 4), 256, a);
  }

  static void avgBackward(CudaBackend b, Tensor dy, Tensor dx) {
    String op = "globalAvgPoolBackward dy " + dy + " -> dx " + dx;
    int[] s = Shapes.nhwc(op, "dx", dx), gm = Shapes.matrix(op, "dy", dy);
    int n = s[0], hw = s[1] * s[2], c = s[3];
    if (gm[0] != n || gm[1] != c) throw bad(op, "dy must be [" + n + ", " + c + "]");
    b.launch(op, "avgpool_backward", b.gridFor(dx.size()), 256,
        new KernelArgs().ptr(b.buf(dy, op)).ptr(b.buf(dx, op)).i(n).i(hw).i(c));
  }

  private static KernelArgs geometry(KernelArgs a, PoolShape g) {
    return a.i(g.n()).i(g.h()).i(g.w()).i(g.c()).i(g.size()).i(g.stride()).i(g.pad()).i(g.p()).i(g.q());
  }
}
