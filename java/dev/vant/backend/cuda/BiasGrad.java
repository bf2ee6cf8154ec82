package dev.vant.backend.cuda;

import dev.vant.cuda.DeviceBuffer;
import dev.vant.tensor.Tensor;

/**
 * Binding of {@code kernels/bias_grad.cu}: dbias [cols] = column sums of dy [rows, cols], in double,
 * in a fixed order (two passes through a pool workspace of ceil(rows / chunkRows(rows)) x cols partials, in one
 * launch: the last block of each 32-column tile adds the tile's partials, {@link CudaBackend#tickets}).
 * The chunking ({@link #chunkRows}) is shared with BatchNorm's backward sums (kernels/colreduce.cuh); its forward
 * statistics use fixed 64-row chunks instead, which a conv epilogue can make (kernels/batchnorm.cuh).
 */
final class BiasGrad {
  static final int COLS_PER_BLOCK = 32;   // kernels/colreduce.cuh COLS
  static final int MIN_CHUNK_ROWS = 64, MAX_CHUNK_ROWS = 1024;

  private BiasGrad() {}

  /**
   * Rows per chunk of the partial pass: the largest power of two <= sqrt(4 rows), within [64, 1024]. The partial
   * pass then has rows / chunk blocks per 32 columns, each thread summing chunk / 8 rows, and the final pass sums
   * rows / chunk partials per column: both stay short (a fixed 1024 left 16-64 blocks of 128 serial loads each on
   * the first H200 run). A function of the shape alone, so the sums are the same on every GPU.
   */
  static long chunkRows(long rows) {
    double limit = Math.sqrt(4.0 * rows);
    long p = MIN_CHUNK_ROWS;
    while (p < MAX_CHUNK_ROWS && 2 * p <= limit) p *= 2;
    return p;
  }

  static long chunks(long rows) {
    long c = chunkRows(rows);
    return (rows + c - 1) / c;
  }

  /** Blocks of the partial pass. */
  static long partialBlocks(long rows, int cols) {
    return chunks(rows) * ((cols + COLS_PER_BLOCK - 1) / COLS_PER_BLOCK);
  }

  static void columnSums(CudaBackend b, String op, Tensor dy, long rows, int cols, Tensor dbias) {
    if (cols == 0) return;
    long chunks = chunks(rows);
    DeviceBuffer tickets = b.tickets(op, cols);
    try (DeviceBuffer part = b.workspace(8L * chunks * cols, op + " partial sums [" + chunks + ", " + cols + "]")) {
      b.launch(op, "bias_grad", partialBlocks(rows, cols), 256, new KernelArgs().ptr(b.buf(dy, op + " dy")).l(rows).i(cols)
          .l(chunkRows(rows)).ptr(part).ptr(tickets).ptr(b.buf(dbias, op + " dbias")));
    }
  }
}
