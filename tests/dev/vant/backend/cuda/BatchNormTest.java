package dev.vant.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vant.backend.Conv2dShape;
import dev.vant.backend.MathMode;
import dev.vant.backend.Noise;
import dev.vant.backend.StatsHandoff;
import dev.vant.cuda.GpuTests;
import dev.vant.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kernels/batchnorm.cu against the FLOAT32 reference: training forward (y, saved mean and 1/std, running
 * statistics), inference forward, backward (dx, dgamma, dbeta), with and without ReLU, every noise type,
 * on random NHWC and [N, C] shapes, channel counts across the 32-column tile and row counts across the
 * chunks of the reductions (64 rows for the statistics, up to 1024 for the backward sums). Inputs carry a common
 * offset (|mean| ~ 3 std); the one-pass statistics' worst cases have a test of their own. Tolerance:
 * {@link GpuTwin#REL} (1e-5 relative, in the scale of the element or of the tensor, plus the noise term).
 *
 * <p>Backward with ReLU: where the pre-activation is within 1e-4 of 0 the mask is ill-conditioned (float
 * on the GPU vs. double rounded once in the reference can fall on either side), so those elements get
 * dy = 0, which makes their contribution identical under either mask.
 */
@Tag("gpu")
class BatchNormTest {
  private static final float EPS = 1e-5f;
  private static final float MOMENTUM = 0.1f;

  private static int[] randomShape(GpuTwin t, int i) {
    boolean small = t.small();
    int c = t.between(1, small ? 70 : 160);
    if (i % 5 == 4) return new int[] {t.between(2, small ? 40 : 256), c};
    int n = t.between(1, small ? 4 : 8);
    int h = t.between(1, small ? 8 : 16), w = t.between(1, small ? 8 : 16);
    if (n * h * w < 2) n = 2;
    return new int[] {n, h, w, c};
  }

  @Test
  void trainForwardAndBackwardMatchReference() {
    try (GpuTwin t = GpuTwin.open(301)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases; i++) {
        trainCase(t, randomShape(t, i), t.anyType(i), i % 3 == 0, i % 2 == 0, "case " + i);
        t.release();
      }
      trainCase(t, new int[] {2, 24, 24, 5}, Noise.Type.ADDITIVE, true, true, "rows over one chunk");
      t.release();
    }
  }

  /**
   * The column reductions of the backward (BatchNorm sums, bias gradients) finish in the launch that computes their
   * partials: the last block of each 32-column tile, found by an atomic ticket, adds the tile's partials and puts its
   * ticket back to 0 (kernels/colreduce.cuh finish); the forward statistics repeat too (two launches, no ticket).
   * Each reduction repeated on poisoned outputs must give the first run's bits (a ticket left non-zero would leave
   * the next run's totals unwritten), and every ticket must be 0 afterwards; shapes with one chunk, many chunks and
   * several column tiles, NHWC and [N, C].
   */
  @Test
  void reductionsRepeatBitForBitAndLeaveTheirTicketsAtZero() {
    try (GpuTwin t = GpuTwin.open(303)) {
      int[][] shapes = {{6, 20, 20, 70}, {300, 33}, {2, 3, 3, 5}, {1, 40, 40, 97}};
      for (int[] shape : shapes) {
        int c = shape[shape.length - 1], size = GpuTwin.size(shape), rows = size / c;
        String what = java.util.Arrays.toString(shape);
        Tensor[] x = t.rand(-2, 3, shape), dy = t.rand(shape), gamma = t.rand(0.5, 1.5, c), beta = t.rand(-1.0, 1.0, c);
        Tensor[] rm0 = t.rand(-1.0, 1.0, c), rv0 = t.rand(0.5, 2, c), dyRows = t.rand(rows, c), xRows = t.rand(rows, 3);
        Tensor[][] first = null;
        for (int run = 0; run < 3; run++) {
          Tensor rm = t.gpuOut(c), rv = t.gpuOut(c), mean = t.gpuOut(c), inv = t.gpuOut(c), y = t.gpuOut(shape);
          Tensor dx = t.gpuOut(shape), dg = t.gpuOut(c), db = t.gpuOut(c), dw = t.gpuOut(c, 3), dbias = t.gpuOut(c);
          t.gpu.copy(rm0[1], rm);
          t.gpu.copy(rv0[1], rv);
          t.gpu.batchNormTrainForward(x[1], gamma[1], beta[1], rm, rv, MOMENTUM, EPS, mean, inv, true, Noise.NONE, y);
          t.gpu.batchNormBackward(dy[1], x[1], gamma[1], beta[1], mean, inv, true, dx, dg, db);
          t.gpu.linearBackwardWeight(xRows[1], dyRows[1], dw, dbias);
          Tensor[] now = {rm, rv, mean, inv, y, dx, dg, db, dbias};
          if (first == null) {
            first = new Tensor[][] {now};
          } else {
            String[] names = {"runningMean", "runningVar", "saveMean", "saveInvStd", "y", "dx", "dgamma", "dbeta", "dbias"};
            for (int k = 0; k < now.length; k++) t.assertSameBits(names[k] + " run " + run + " " + what, first[0][k], now[k]);
          }
          var tickets = t.gpu.tickets("test", 1);
          float[] left = new float[(int) (tickets.bytes() / 4)];
          tickets.copyTo(left, left.length);
          for (int k = 0; k < left.length; k++) {
            if (Float.floatToRawIntBits(left[k]) != 0) {
              throw new AssertionError("ticket " + k + " is " + Float.floatToRawIntBits(left[k]) + " after run " + run + " " + what);
            }
          }
        }
        t.release();
      }
    }
  }

  /**
   * The backward that also sums dx per channel (the preceding conv's bias gradient, batchnorm_backward_apply_sums)
   * gives the dx bits of the plain backward and the sums bias_grad gives on that dx: one chunk, many chunks, several
   * column tiles, ReLU on and off, dx in place of dy.
   */
  @Test
  void backwardSumsDxWithTheBitsOfTheBiasGradient() {
    try (GpuTwin t = GpuTwin.open(304)) {
      int[][] shapes = {{6, 20, 20, 70}, {300, 33}, {2, 3, 3, 5}, {1, 40, 40, 97}};
      for (int i = 0; i < shapes.length; i++) {
        int[] shape = shapes[i];
        boolean relu = i % 2 == 0;
        int c = shape[shape.length - 1], rows = GpuTwin.size(shape) / c;
        String what = java.util.Arrays.toString(shape) + (relu ? " relu" : "");
        Tensor[] x = t.rand(-2, 3, shape), dy = t.rand(shape), gamma = t.rand(0.5, 1.5, c), beta = t.rand(-1.0, 1.0, c);
        Tensor mean = t.gpuOut(c), inv = t.gpuOut(c), y = t.gpuOut(shape);
        t.gpu.batchNormTrainForward(x[1], gamma[1], beta[1], t.gpu.zeros(c), t.gpu.zeros(c), MOMENTUM, EPS, mean, inv, relu, Noise.NONE, y);
        Tensor dx1 = t.gpuOut(shape), dx2 = t.gpuOut(shape), dg = t.gpuOut(c), db = t.gpuOut(c), sums = t.gpuOut(c), bias = t.gpuOut(c);
        t.gpu.batchNormBackward(dy[1], x[1], gamma[1], beta[1], mean, inv, relu, dx1, dg, db);
        t.gpu.batchNormBackward(dy[1], x[1], gamma[1], beta[1], mean, inv, relu, dx2, dg, db, sums);
        t.assertSameBits("dx with sums " + what, dx1, dx2);
        BiasGrad.columnSums(t.gpu, "test", dx1, rows, c, bias);
        t.assertSameBits("dx sums vs bias_grad " + what, bias, sums);
        // In place (dx = dy), as BatchNorm2d may run it.
        Tensor dyCopy = t.gpuOut(shape);
        t.gpu.copy(dy[1], dyCopy);
        t.gpu.batchNormBackward(dyCopy, x[1], gamma[1], beta[1], mean, inv, relu, dyCopy, dg, db, sums);
        t.assertSameBits("dx with sums in place " + what, dx1, dyCopy);
        t.release();
      }
    }
  }

  /**
   * The GPU's statistics take one read of x: sums of d = x - K and d^2 per 64-row chunk around its first value K,
   * merged around x[0, c] (kernels/batchnorm.cu). Means of 10^4 with a spread of 10^-2 (|mean| ~ 2 * 10^6 std): the
   * unshifted one-pass formula Q / rows - mean^2 loses ~3 * 10^-4 of the variance even in double and fails here; and
   * in some columns the first row of every chunk is an extreme (the shifts' worst case: the cancellation is then as
   * large as the data allow, (K - mean)^2 <= rows var).
   */
  @Test
  void statisticsOfFarOffsetsAndOutlyingFirstRows() {
    try (GpuTwin t = GpuTwin.open(302)) {
      for (int i = 0; i < 4; i++) {
        int[] shape = i % 2 == 0 ? new int[] {4, 9, 7, 37} : new int[] {3 + 600 * (i / 2), 33};
        trainCase(t, shape, Noise.Type.NONE, false, i == 1, "far offsets " + i, 1e4, 1e-2, true);
        t.release();
      }
    }
  }

  /**
   * The statistics a conv forward makes in its epilogue ({@link StatsHandoff}, kernels/batchnorm.cuh tile_stats) give
   * the bits of the BatchNorm's own statistics pass over the conv's output, in every forward pipeline (exact FP32;
   * TF32 on K16, K32 and the wgmma tiles, whose noisy forwards draw under the k loop): saved mean and 1 / std, running
   * statistics, and y itself (the epilogue writes the noisy tile back to shared memory for the statistics; y must not
   * change). Shapes: a ragged last chunk, one chunk shorter than 64 rows, exactly 3 chunks, two column tiles with a
   * narrow last one, and K % 4 != 0 (the epilogue's general path, whole-tile ranges whose groups straddle rows); noise
   * off, VANT (per-sample additive), multiplicative and combined; the direct kernel (at most 32 taps, the stem's) with
   * K % 4 == 0, in 64-row chunks, and with K % 4 != 0; forwards split over k (the reduction kernel makes them, in
   * 64 x 64 pieces of y) with K % 4 == 0 and != 0. Each GEMM forward that does not split, and each direct or split one
   * with K % 4 == 0, must fill the handoff and the BatchNorm must launch no statistics pass of its own; the others must
   * leave it empty. A handoff filled for another tensor is not used (one shape per pipeline: host code). The handed-on
   * statistics are also compared with the CPU reference's statistics of the same y ({@link GpuTwin#REL}).
   */
  @ParameterizedTest
  @ValueSource(strings = {"fp32", "k16", "k32", "wgmma", "wgmma64", "wgmma128"})
  void convEpilogueStatisticsGiveTheBitsOfTheStatisticsPass(String pipeline) {
    MathMode math = pipeline.equals("fp32") ? MathMode.FP32 : MathMode.TF32;
    Tf32TilesTest.withTile(pipeline.equals("fp32") ? "k16" : pipeline, () -> {
      try (GpuTwin t = GpuTwin.open(305, math); StatsHandoff h = new StatsHandoff()) {
        if (pipeline.startsWith("wgmma")) {
          Assumptions.assumeTrue(GpuTests.wgmma(t.gpu.device()), pipeline + " needs compute capability 9.0 and sm_90a code");
        }
        // Under AddressSanitizer (~3x slower; CI's 10-minute budget) fp32, k16 and wgmma (both wgmma tiles, by width)
        // carry the memory check; k32 and the forced wgmma tiles are not repeated, as in Tf32TilesTest.
        Assumptions.assumeFalse(t.emulated() && "1".equals(System.getenv("VANT_EMU_ASAN"))
            && (pipeline.equals("k32") || pipeline.equals("wgmma64") || pipeline.equals("wgmma128")),
            "not repeated under ASan");
        Conv2dShape[] shapes = {
            new Conv2dShape(2, 9, 9, 4, 8, 3, 3, 1, 1),     // M = 162: 2 chunks and a ragged 34
            new Conv2dShape(3, 8, 8, 8, 70, 3, 3, 1, 1),    // M = 192: 3 chunks; K = 70: a narrow column tile, K % 4 = 2
            new Conv2dShape(1, 5, 7, 8, 12, 3, 3, 1, 1),    // M = 35: one short chunk
            new Conv2dShape(2, 16, 16, 16, 36, 3, 3, 2, 1), // M = 128, stride 2
            new Conv2dShape(4, 12, 12, 8, 5, 3, 3, 1, 1),   // K = 5: groups straddle rows of a whole-width tile
            new Conv2dShape(2, 9, 9, 3, 16, 3, 3, 1, 1),    // 27 taps: the direct kernel, in 64-row chunks (M = 162)
            new Conv2dShape(2, 5, 5, 3, 6, 3, 3, 1, 1),     // direct, K % 4 != 0: the BatchNorm's own pass
            NoisyConv2dTest.SPLIT_FORWARD[0],               // split over k, K = 24: the reduction makes them
            NoisyConv2dTest.SPLIT_FORWARD[1]};              // split, K = 7: the BatchNorm's own pass
        Noise.Type[] types = {Noise.Type.NONE, Noise.Type.ADDITIVE, Noise.Type.MULTIPLICATIVE, Noise.Type.COMBINED,
            Noise.Type.ADDITIVE, Noise.Type.ADDITIVE, Noise.Type.COMBINED, Noise.Type.ADDITIVE, Noise.Type.MULTIPLICATIVE};
        for (Conv2dShape g : NoisyConv2dTest.SPLIT_FORWARD) NoisyConv2dTest.assertSplits(t.gpu.gemm(), g);
        int fused = 0;
        for (int i = 0; i < shapes.length; i++) {
          Conv2dShape g = shapes[i];
          int k = g.k();
          String what = pipeline + " " + g + " " + types[i];
          Tensor[] x = t.rand(-1, 2, g.inputShape()), w = t.rand(g.weightShape()), b = t.rand(k), rm0 = t.rand(k), rv0 = t.rand(0.5, 2, k);
          Noise nz = t.noise(types[i], i % 2 == 1, g.n())[1];
          Tensor[] plain = statisticsAfterConv(t, g, x[1], w[1], b[1], nz, rm0[1], rv0[1], null);
          Map<String, Long> before = t.gpu.device().launchCounts();
          Tensor[] handed = statisticsAfterConv(t, g, x[1], w[1], b[1], nz, rm0[1], rv0[1], h);
          long passes = t.gpu.device().launchCounts().getOrDefault("batchnorm_stats_partial", 0L)
              - before.getOrDefault("batchnorm_stats_partial", 0L);
          long m = (long) g.n() * g.p() * g.q(), rsc = (long) g.r() * g.s() * g.c();
          boolean fuses = NoisyConv2d.direct(g) ? NoisyConv2d.directStats(g)
              : Gemm.splits(rsc, t.gpu.gemm().forwardKChunk(m, k, rsc)) == 1 || k % 4 == 0;
          assertEquals(fuses ? 0L : 1L, passes, what + ": statistics passes of the BatchNorm's own");
          if (fuses) fused++;
          String[] names = {"y", "runningMean", "runningVar", "saveMean", "saveInvStd"};
          for (int j = 0; j < names.length; j++) t.assertSameBits(names[j] + " " + what, plain[j], handed[j]);
          // And against the reference directly (not only through the pass's own test): the CPU's statistics of the
          // GPU's y, from the same running statistics.
          Tensor yRef = t.of(t.gpu.toHost(handed[0]), g.outputShape())[0];
          Tensor[] rm = t.of(t.ref.toHost(rm0[0]), k), rv = t.of(t.ref.toHost(rv0[0]), k), mean = t.out(k), inv = t.out(k);
          t.ref.batchNormTrainStatistics(yRef, rm[0], rv[0], MOMENTUM, EPS, mean[0], inv[0]);
          Tensor[] refs = {rm[0], rv[0], mean[0], inv[0]};
          for (int j = 1; j < names.length; j++) t.compare(names[j] + " vs reference " + what, new Tensor[] {refs[j - 1], handed[j]});
          if (i == 0) {
            // Filled for a new y, then asked for another tensor (plain's y, equal in value): not used, the BatchNorm
            // reads that tensor itself (one pass of its own; the bits alone could not tell, the values being equal).
            // The handoff's identity check is host code: one shape per pipeline shows it.
            before = t.gpu.device().launchCounts();
            Tensor[] stale = statisticsAfterConv(t, g, x[1], w[1], b[1], nz, rm0[1], rv0[1], h, plain[0]);
            assertEquals(1L, t.gpu.device().launchCounts().getOrDefault("batchnorm_stats_partial", 0L)
                - before.getOrDefault("batchnorm_stats_partial", 0L), what + ": a stale handoff must not be used");
            for (int j = 1; j < names.length; j++) t.assertSameBits(names[j] + " stale handoff " + what, plain[j], stale[j]);
          }
          t.release();
        }
        assertTrue(fused >= 4, pipeline + ": only " + fused + " of the shapes made their statistics in the conv");
      }
    });
  }

  /**
   * conv2dForward into a fresh y (with {@code h}: handing the statistics on), then the BatchNorm statistics of
   * {@code of} (null: that y) from copies of the running statistics: {y, runningMean, runningVar, saveMean, saveInvStd}.
   */
  private static Tensor[] statisticsAfterConv(GpuTwin t, Conv2dShape g, Tensor x, Tensor w, Tensor b, Noise nz, Tensor rm0,
      Tensor rv0, StatsHandoff h, Tensor... of) {
    int k = g.k();
    Tensor y = t.gpuOut(g.outputShape()), rm = t.gpuOut(k), rv = t.gpuOut(k), mean = t.gpuOut(k), inv = t.gpuOut(k);
    t.gpu.copy(rm0, rm);
    t.gpu.copy(rv0, rv);
    t.gpu.conv2dForward(g, x, w, b, nz, y, h);
    t.gpu.batchNormTrainStatistics(of.length > 0 ? of[0] : y, rm, rv, MOMENTUM, EPS, mean, inv, h);
    return new Tensor[] {y, rm, rv, mean, inv};
  }

  private static void trainCase(GpuTwin t, int[] shape, Noise.Type type, boolean perSample, boolean relu, String what) {
    trainCase(t, shape, type, perSample, relu, what, 3, 1, false);
  }

  private static void trainCase(GpuTwin t, int[] shape, Noise.Type type, boolean perSample, boolean relu, String what,
      double offsetScale, double spread, boolean outlyingFirstRows) {
    int c = shape[shape.length - 1];
    int size = GpuTwin.size(shape);
    int rows = size / c;
    float[] xs = t.uniform(size, -spread, spread);
    float[] offset = t.uniform(c, -offsetScale, offsetScale);
    for (int e = 0; e < size; e++) xs[e] += offset[e % c];
    // Every other column: its first value, and the first of every 64-row chunk (the GPU's shifts), 0.9 sqrt(rows)
    // standard deviations out (std of the uniform: spread / sqrt 3).
    if (outlyingFirstRows) {
      for (int r = 0; r < rows; r += 64) {
        for (int j = 0; j < c; j += 2) xs[r * c + j] = (float) (offset[j] + 0.9 * Math.sqrt(rows) * spread / Math.sqrt(3));
      }
    }
    Tensor[] x = t.of(xs, shape);
    float[] gs = t.uniform(c, 0.5, 1.5), bs = t.uniform(c, -0.5, 0.5);
    for (int j = 0; j < c; j += 3) gs[j] = -gs[j];
    Tensor[] gamma = t.of(gs, c), beta = t.of(bs, c);
    Tensor[] rm = t.rand(c), rv = t.rand(0.5, 2, c);
    Tensor[] mean = t.out(c), inv = t.out(c), y = t.out(shape);
    Noise[] nz = t.noise(type, perSample, shape[0]);
    t.ref.batchNormTrainForward(x[0], gamma[0], beta[0], rm[0], rv[0], MOMENTUM, EPS, mean[0], inv[0], relu, nz[0], y[0]);
    t.gpu.batchNormTrainForward(x[1], gamma[1], beta[1], rm[1], rv[1], MOMENTUM, EPS, mean[1], inv[1], relu, nz[1], y[1]);
    String op = "batchNormTrainForward " + what + " " + java.util.Arrays.toString(shape) + " " + type + (relu ? " relu" : "");
    t.compare(op + " y", y, t.noiseScale(nz[0], size, shape[0]));
    t.compare(op + " saveMean", mean);
    t.compare(op + " saveInvStd", inv);
    t.compare(op + " runningMean", rm);
    t.compare(op + " runningVar", rv);

    // Backward from the same saved statistics (the reference's, copied, so both start from the same numbers).
    float[] m = t.ref.toHost(mean[0]), is = t.ref.toHost(inv[0]);
    float[] dys = t.uniform(size, -1, 1);
    if (relu) {
      for (int e = 0; e < size; e++) {
        int ch = e % c;
        double pre = (double) gs[ch] * ((double) xs[e] - m[ch]) * is[ch] + bs[ch];
        if (Math.abs(pre) < 1e-4) dys[e] = 0;
      }
    }
    Tensor[] dy = t.of(dys, shape), sm = t.of(m, c), si = t.of(is, c);
    Tensor[] dx = t.out(shape), dg = t.out(c), db = t.out(c);
    t.ref.batchNormBackward(dy[0], x[0], gamma[0], beta[0], sm[0], si[0], relu, dx[0], dg[0], db[0]);
    t.gpu.batchNormBackward(dy[1], x[1], gamma[1], beta[1], sm[1], si[1], relu, dx[1], dg[1], db[1]);
    String bop = "batchNormBackward " + what + " " + java.util.Arrays.toString(shape) + " rows " + rows + (relu ? " relu" : "");
    t.compare(bop + " dx", dx);
    t.compare(bop + " dgamma", dg);
    t.compare(bop + " dbeta", db);
  }

  @Test
  void inferenceForwardMatchesReference() {
    try (GpuTwin t = GpuTwin.open(302)) {
      int cases = t.count(200, 200, 60);  // under ASan 60 random shapes ride along the fixed ones (CI budget)
      for (int i = 0; i < cases; i++) {
        int[] shape = randomShape(t, i);
        int c = shape[shape.length - 1];
        Noise.Type type = t.anyType(i);
        boolean relu = i % 2 == 1;
        Tensor[] x = t.rand(-3, 3, shape), gamma = t.rand(c), beta = t.rand(c), rm = t.rand(c), rv = t.rand(0.1, 3, c);
        Noise[] nz = t.noise(type, i % 3 == 0, shape[0]);
        Tensor[] y = t.out(shape);
        t.ref.batchNormInferenceForward(x[0], gamma[0], beta[0], rm[0], rv[0], EPS, relu, nz[0], y[0]);
        t.gpu.batchNormInferenceForward(x[1], gamma[1], beta[1], rm[1], rv[1], EPS, relu, nz[1], y[1]);
        t.compare("batchNormInferenceForward case " + i + " " + java.util.Arrays.toString(shape) + " " + type, y,
            t.noiseScale(nz[0], GpuTwin.size(shape), shape[0]));
        t.release();
      }
    }
  }
}
