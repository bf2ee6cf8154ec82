package dev.vant.backend.cuda;

import static dev.vant.backend.cuda.CudaBackend.bad;
import static dev.vant.backend.cuda.CudaBackend.requireSame;
import static dev.vant.backend.cuda.CudaBackend.requireSize;

import dev.vant.backend.Noise;
import dev.vant.backend.Shapes;
import dev.vant.backend.StatsHandoff;
import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/batchnorm.cu}: BatchNorm over the last dimension C of x [N,H,W,C] (or [N,C]),
 * statistics over rows = N*H*W, fused with ReLU and noise.
 * <ul>
 *   <li>training forward: 3 launches (the statistics' partials: shifted sums of x and x^2 over 64-row chunks in one
 *       read of x; their merge with mean + variance + running stats; apply), 2 where the conv that wrote x made the
 *       partials in its epilogue ({@link StatsHandoff}); the statistics alone: all but the apply (a residual join
 *       applies the BatchNorm on the fly);</li>
 *   <li>inference forward: 1 launch;</li>
 *   <li>backward: 2 launches (sums of g and g*xhat with dgamma/dbeta, then dx, optionally with dx's column sums:
 *       the preceding conv's bias gradient), the ReLU mask recomputed.</li>
 * </ul>
 */
final class BatchNorm {
  private BatchNorm() {}

  private record Dims(long rows, int c) {}

  private static Dims dims(String op, Tensor x, Tensor... perChannel) {
    int c = Shapes.nhwc(op, "x", x)[3];
    String[] names = {"gamma", "beta", "mean", "var/invStd", "mean", "invStd"};
    for (int i = 0; i < perChannel.length; i++) requireSize(op, names[Math.min(i, names.length - 1)], perChannel[i], c);
    return new Dims(x.size() / c, c);
  }

  static void trainForward(CudaBackend b, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, boolean relu, Noise noise, Tensor y, StatsHandoff stats) {
    String op = "batchNormTrainForward x " + x + (relu ? " +relu" : "");
    Dims d = dims(op, x, gamma, beta, runningMean, runningVar, saveMean, saveInvStd);
    requireSame(op, "y", y, x, "x");
    statistics(b, op, d, x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, stats);
    KernelArgs a = new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(gamma, op)).ptr(b.buf(beta, op)).ptr(b.buf(saveMean, op))
        .ptr(b.buf(saveInvStd, op)).ptr(b.buf(y, op)).l(x.size()).i(d.c).i(relu ? 1 : 0).noise(b.noise(noise, y, op));
    b.launch(op, "batchnorm_apply", b.gridFor((x.size() + 3) / 4), 256, a);
  }

  /** The statistics launch of {@link #trainForward} alone (a residual join normalizes x on the fly). */
  static void trainStatistics(CudaBackend b, Tensor x, Tensor runningMean, Tensor runningVar, float momentum, float eps,
      Tensor saveMean, Tensor saveInvStd, StatsHandoff stats) {
    String op = "batchNormTrainStatistics x " + x;
    int c = Shapes.nhwc(op, "x", x)[3];
    requireSize(op, "runningMean", runningMean, c);
    requireSize(op, "runningVar", runningVar, c);
    requireSize(op, "saveMean", saveMean, c);
    requireSize(op, "saveInvStd", saveInvStd, c);
    statistics(b, op, new Dims(x.size() / c, c), x, runningMean, runningVar, momentum, eps, saveMean, saveInvStd, stats);
  }

  /** Rows per statistics chunk (kernels/batchnorm.cuh STAT_ROWS; a conv tile is whole chunks). */
  static final int STAT_ROWS = 64;

  /** Floats of the statistics' partials [2][ceil(rows / 64)][c] (doubles) of an x with {@code rows} rows. */
  static int partialFloats(String op, long rows, int c) {
    long chunks = (rows + STAT_ROWS - 1) / STAT_ROWS;
    long floats = 4L * chunks * c;
    if (floats > Integer.MAX_VALUE) throw bad(op, "statistics partials of " + floats + " floats exceed one tensor");
    return (int) floats;
  }

  private static void statistics(CudaBackend b, String op, Dims d, Tensor x, Tensor runningMean, Tensor runningVar,
      float momentum, float eps, Tensor saveMean, Tensor saveInvStd, StatsHandoff stats) {
    if (d.rows < 2) throw bad(op, "batch statistics need at least 2 values per channel (N*H*W = " + d.rows + ")");
    DeviceBuffer dX = b.buf(x, op);
    if (stats != null && stats.take(x)) {  // the conv made the partials in its epilogue
      finalStats(b, op, d, b.buf(stats.partials(), op), dX, runningMean, runningVar,
          momentum, eps, saveMean, saveInvStd);
      return;
    }
    long chunks = (d.rows + STAT_ROWS - 1) / STAT_ROWS;
    try (DeviceBuffer part = b.workspace(16L * chunks * d.c, op + " statistics partials [2][" + chunks + "][" + d.c + "]")) {
      b.launch(op, "batchnorm_stats_partial", ((d.c + 31) / 32) * ((chunks + 7) / 8), 256,
          new KernelArgs().ptr(dX).l(d.rows).i(d.c).ptr(part));
      finalStats(b, op, d, part, dX, runningMean, runningVar, momentum, eps, saveMean, saveInvStd);
    }
  }

  private static void finalStats(CudaBackend b, String op, Dims d, DeviceBuffer part, DeviceBuffer dX, Tensor runningMean,
      Tensor runningVar, float momentum, float eps, Tensor saveMean, Tensor saveInvStd) {
    b.launch(op, "batchnorm_stats_final", d.c, 256, new KernelArgs().ptr(part).ptr(dX).l(d.rows).i(d.c).f(momentum).f(eps)
        .ptr(b.buf(saveMean, op)).ptr(b.buf(runningMean, op)).ptr(b.buf(runningVar, op)).ptr(b.buf(saveInvStd, op)));
  }

  static void inferenceForward(CudaBackend b, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
      Tensor runningVar, float eps, boolean relu, Noise noise, Tensor y) {
    String op = "batchNormInferenceForward x " + x + (relu ? " +relu" : "");
    Dims d = dims(op, x, gamma, beta, runningMean, runningVar);
    requireSame(op, "y", y, x, "x");
    KernelArgs a = new KernelArgs().ptr(b.buf(x, op)).ptr(b.buf(gamma, op)).ptr(b.buf(beta, op))
        .ptr(b.buf(runningMean, op)).ptr(b.buf(runningVar, op)).f(eps).ptr(b.buf(y, op)).l(x.size()).i(d.c)
        .i(relu ? 1 : 0).noise(b.noise(noise, y, op));
    b.launch(op, "batchnorm_inference", b.gridFor((x.size() + 3) / 4), 256, a);
  }

  static void backward(CudaBackend b, Tensor dy, Tensor x, Tensor gamma, Tensor beta, Tensor saveMean,
      Tensor saveInvStd, boolean relu, Tensor dx, Tensor dgamma, Tensor dbeta, Tensor dxSums) {
    String op = "batchNormBackward x " + x + (relu ? " +relu" : "") + (dxSums != null ? " +dx sums" : "");
    Dims d = dims(op, x, gamma, beta, saveMean, saveInvStd);
    requireSame(op, "dy", dy, x, "x");
    requireSame(op, "dx", dx, x, "x");
    requireSize(op, "dgamma", dgamma, d.c);
    requireSize(op, "dbeta", dbeta, d.c);
    if (dxSums != null) requireSize(op, "dxSums", dxSums, d.c);
    long chunks = BiasGrad.chunks(d.rows);
    DeviceBuffer dDy = b.buf(dy, op), dX = b.buf(x, op), dG = b.buf(gamma, op), dB = b.buf(beta, op);
    DeviceBuffer dMean = b.buf(saveMean, op), dInv = b.buf(saveInvStd, op);
    DeviceBuffer dDg = b.buf(dgamma, op), dDb = b.buf(dbeta, op);
    DeviceBuffer tickets = b.tickets(op, d.c);
    try (DeviceBuffer partG = b.workspace(8L * chunks * d.c, op + " partial sums of dy");
         DeviceBuffer partGX = b.workspace(8L * chunks * d.c, op + " partial sums of dy*xhat")) {
      b.launch(op, "batchnorm_backward_stats", BiasGrad.partialBlocks(d.rows, d.c), 256, new KernelArgs()
          .ptr(dDy).ptr(dX).ptr(dG).ptr(dB).ptr(dMean).ptr(dInv).i(relu ? 1 : 0).l(d.rows).i(d.c).l(BiasGrad.chunkRows(d.rows))
          .ptr(partG).ptr(partGX).ptr(tickets).ptr(dDg).ptr(dDb));
    }
    KernelArgs a = new KernelArgs().ptr(dDy).ptr(dX).ptr(dG).ptr(dB).ptr(dMean).ptr(dInv).ptr(dDg).ptr(dDb).i(relu ? 1 : 0)
        .l(d.rows).i(d.c).ptr(b.buf(dx, op));
    if (dxSums == null) {
      b.launch(op, "batchnorm_backward_apply", b.gridFor(x.size()), 256, a);
      return;
    }
    // Shaped like bias_grad (the same chunks and tiles), so dxSums has the bits BiasGrad.columnSums(dx) would give.
    try (DeviceBuffer part = b.workspace(8L * chunks * d.c, op + " partial sums of dx")) {
      b.launch(op, "batchnorm_backward_apply_sums", BiasGrad.partialBlocks(d.rows, d.c), 256,
          a.l(BiasGrad.chunkRows(d.rows)).ptr(part).ptr(tickets).ptr(b.buf(dxSums, op)));
    }
  }
}
