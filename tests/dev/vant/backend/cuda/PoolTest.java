package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Noise;
import dev.vant.backend.PoolShape;
import dev.vant.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * kernels/pool.cu against the FLOAT32 reference: max-pool forward (+ noise) and backward on random
 * windows, strides and paddings (overlapping windows, the stem's 3x3/2 pad 1), with inputs quantized to
 * a few levels in every other case so ties are frequent (the first maximum must win on both sides: the
 * recorded window positions must be equal, and the forward without them must give the same y); each side's
 * backward routes dy by its own recorded positions;
 * global average pool forward (+ noise) and backward, output as [N, C] and [N, 1, 1, C].
 * Tolerance: {@link GpuTwin#REL}.
 */
@Tag("gpu")
class PoolTest {
  @Test
  void maxPoolMatchesReference() {
    try (GpuTwin t = GpuTwin.open(501)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        boolean small = t.small();
        int size = t.between(1, 4), stride = t.between(1, 3), pad = t.between(0, size / 2);
        int h = t.between(Math.max(1, size - 2 * pad), small ? 12 : 32), w = t.between(Math.max(1, size - 2 * pad), small ? 12 : 32);
        PoolShape g = i == 0 ? new PoolShape(2, 9, 9, 5, 3, 2, 1)
            : new PoolShape(t.between(1, small ? 4 : 8), h, w, t.between(1, small ? 17 : 48), size, stride, pad);
        int[] in = {g.n(), g.h(), g.w(), g.c()};
        float[] xs = t.uniform(GpuTwin.size(in), -2, 2);
        if (i % 2 == 1) for (int e = 0; e < xs.length; e++) xs[e] = Math.round(xs[e]); // ties
        Tensor[] x = t.of(xs, in);
        Noise.Type type = t.anyType(i);
        Noise[] nz = t.noise(type, i % 3 == 0, g.n());
        Tensor[] y = t.out(g.outputShape()), arg = t.out(g.outputShape());
        t.ref.maxPoolForward(g, x[0], nz[0], y[0], arg[0]);
        t.gpu.maxPoolForward(g, x[1], nz[1], y[1], arg[1]);
        String what = "case " + i + " " + g + " " + type;
        t.compare("maxPoolForward " + what, y, t.noiseScale(nz[0], GpuTwin.size(g.outputShape()), g.n()));
        assertArrayEquals(t.ref.toHost(arg[0]), t.gpu.toHost(arg[1]), "maxPoolForward argmax " + what);
        Tensor y2 = t.gpu.zeros(g.outputShape());
        t.gpu.maxPoolForward(g, x[1], nz[1], y2);
        assertArrayEquals(t.gpu.toHost(y[1]), t.gpu.toHost(y2), "maxPoolForward without argmax " + what);
        y2.close();
        Tensor[] dy = t.rand(g.outputShape()), dx = t.out(in);
        t.ref.maxPoolBackward(g, dy[0], arg[0], dx[0]);
        t.gpu.maxPoolBackward(g, dy[1], arg[1], dx[1]);
        t.compare("maxPoolBackward " + what, dx);
        t.release();
      }
    }
  }

  /**
   * Positions the GPU's forward did not write are checked on the host before the kernel (which trusts them) runs:
   * valid ones from the host are used, invalid ones are rejected naming the window, dx untouched; positions the
   * forward wrote are trusted without a host copy, until a host write replaces them.
   */
  @Test
  void maxPoolBackwardChecksPositionsItDidNotWrite() {
    try (GpuTwin t = GpuTwin.open(503)) {
      PoolShape g = new PoolShape(2, 5, 5, 3, 3, 2, 1);
      int[] in = {2, 5, 5, 3};
      Tensor[] x = t.rand(in), y = t.out(g.outputShape()), arg = t.out(g.outputShape());
      t.ref.maxPoolForward(g, x[0], Noise.NONE, y[0], arg[0]);
      float[] positions = t.ref.toHost(arg[0]);
      Tensor[] dy = t.rand(g.outputShape()), dx = t.out(in);
      t.ref.maxPoolBackward(g, dy[0], arg[0], dx[0]);

      Tensor fromHost = t.gpu.fromHost(positions, g.outputShape());
      long copies = t.gpu.hostTraffic().toHostCalls();
      t.gpu.maxPoolBackward(g, dy[1], fromHost, dx[1]);
      assertEquals(copies + 1, t.gpu.hostTraffic().toHostCalls(), "positions from the host are checked (one copy)");
      t.compare("maxPoolBackward, valid positions from the host", dx);

      float[] wrong = positions.clone();
      wrong[5] = 2.5f;
      t.gpu.copyFromHost(wrong, fromHost);
      Tensor kept = t.gpu.fromHost(filled(GpuTwin.size(in), 7f), in);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.gpu.maxPoolBackward(g, dy[1], fromHost, kept));
      assertTrue(e.getMessage().contains("argmax 2.5") && e.getMessage().contains("(n 0, p 0, q 1, c 2)"), e.getMessage());
      for (float v : t.gpu.toHost(kept)) assertEquals(7f, v, "a rejected argmax leaves dx as it was");

      t.gpu.maxPoolForward(g, x[1], Noise.NONE, y[1], fromHost);  // the forward's own positions: trusted
      copies = t.gpu.hostTraffic().toHostCalls();
      t.gpu.maxPoolBackward(g, dy[1], fromHost, dx[1]);
      assertEquals(copies, t.gpu.hostTraffic().toHostCalls(), "positions the forward wrote need no host check");
      t.compare("maxPoolBackward, the forward's positions", dx);
      t.gpu.copyFromHost(wrong, fromHost);  // replaced from the host: checked again
      assertThrows(IllegalArgumentException.class, () -> t.gpu.maxPoolBackward(g, dy[1], fromHost, kept));
      Tensor nines = t.gpu.fromHost(filled(GpuTwin.size(g.outputShape()), 9f), g.outputShape());  // 9 = size * size
      IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> t.gpu.maxPoolBackward(g, dy[1], nines, kept));
      assertTrue(other.getMessage().contains("argmax 9.0"), other.getMessage());
      nines.close();
      fromHost.close();
      kept.close();
      t.release();
    }
  }

  private static float[] filled(int n, float v) {
    float[] a = new float[n];
    Arrays.fill(a, v);
    return a;
  }

  @Test
  void globalAvgPoolMatchesReference() {
    try (GpuTwin t = GpuTwin.open(502)) {
      int cases = t.count(200, 200);
      for (int i = 0; i < cases; i++) {
        boolean small = t.small();
        int[] in = {t.between(1, small ? 6 : 16), t.between(1, small ? 9 : 12), t.between(1, small ? 9 : 12), t.between(1, small ? 40 : 300)};
        int[] out = i % 2 == 0 ? new int[] {in[0], in[3]} : new int[] {in[0], 1, 1, in[3]};
        Noise.Type type = t.anyType(i);
        Noise[] nz = t.noise(type, i % 3 == 0, in[0]);
        Tensor[] x = t.rand(in), y = t.out(out);
        t.ref.globalAvgPoolForward(x[0], nz[0], y[0]);
        t.gpu.globalAvgPoolForward(x[1], nz[1], y[1]);
        String what = "case " + i + " " + Arrays.toString(in) + " " + type;
        t.compare("globalAvgPoolForward " + what, y, t.noiseScale(nz[0], in[0] * in[3], in[0]));
        Tensor[] dy = t.rand(out), dx = t.out(in);
        t.ref.globalAvgPoolBackward(dy[0], dx[0]);
        t.gpu.globalAvgPoolBackward(dy[1], dx[1]);
        t.compare("globalAvgPoolBackward " + what, dx);
        t.release();
      }
    }
  }
}
